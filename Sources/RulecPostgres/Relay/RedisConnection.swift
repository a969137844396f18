import Foundation
import NIOCore
import NIOPosix

/// A failure talking to Redis: the connection could not be made or was lost, or a reply did
/// not arrive in time. Command errors (`-ERR …`) are replies, not this.
public struct RedisConnectionError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One command on its way out, with the promise its reply fulfils.
private struct RESPRequest: Sendable {
    var bytes: ByteBuffer
    var promise: EventLoopPromise<RESPValue>
}

/// Matches replies to requests in order: Redis answers the commands of one connection in the
/// order they were sent, so a FIFO of promises is the whole protocol state (pipelining is free).
private final class RESPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var received: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request.promise)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if received == nil { received = incoming } else { received!.writeBuffer(&incoming) }
        do {
            while var buffer = received, let value = try RESPCodec.decode(&buffer) {
                received = buffer.readableBytes == 0 ? nil : buffer
                guard let promise = waiting.popFirst() else {
                    throw RESPCodec.ProtocolViolation(description: "a reply nobody asked for")
                }
                promise.succeed(value)
            }
        } catch {
            failAll(RedisConnectionError("protocol error: \(error)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisConnectionError("the connection to redis was closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RedisConnectionError("redis connection error: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisConnectionError) {
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}

/// A minimal RESP2 client over SwiftNIO: one TCP connection, commands as arrays of bulk
/// strings, pipelined. Enough for the relay (AUTH, SELECT, SCRIPT LOAD, EVALSHA), no more.
public final class RedisConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects (with a timeout) and, when given, authenticates and selects a database.
    public static func connect(host: String, port: Int, password: String? = nil, database: Int = 0,
                               timeout: TimeAmount = .seconds(5),
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> RedisConnection {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw RedisConnectionError("cannot connect to redis at \(host):\(port): \(error)")
        }
        let connection = RedisConnection(channel: channel)
        do {
            if let password {
                try await connection.expectOK(connection.send(["AUTH", password]), doing: "AUTH")
            }
            if database != 0 {
                try await connection.expectOK(connection.send(["SELECT", String(database)]), doing: "SELECT \(database)")
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    private func expectOK(_ reply: RESPValue, doing what: String) throws {
        if case .error(let message) = reply { throw RedisConnectionError("redis refused \(what): \(message)") }
    }

    /// Whether the connection is still open.
    public var isActive: Bool { channel.isActive }

    /// Sends one command and waits for its reply (a `-ERR` reply is returned, not thrown).
    public func send(_ command: [String], timeout: TimeAmount = .seconds(10)) async throws -> RESPValue {
        try await pipeline([command], timeout: timeout)[0].get()
    }

    /// Writes every command in one flush and waits for all replies. When the replies do not all
    /// arrive within `timeout`, the connection is closed and the missing ones fail.
    public func pipeline(_ commands: [[String]], timeout: TimeAmount = .seconds(10)) async -> [Result<RESPValue, any Error>] {
        guard !commands.isEmpty else { return [] }
        let loop = channel.eventLoop
        var futures: [EventLoopFuture<RESPValue>] = []
        futures.reserveCapacity(commands.count)
        for command in commands {
            var bytes = channel.allocator.buffer(capacity: 64)
            RESPCodec.encode(command, into: &bytes)
            let promise = loop.makePromise(of: RESPValue.self)
            futures.append(promise.futureResult)
            // A write that fails (the channel closed, the handler gone) fails the reply too; a
            // promise completed twice keeps its first result.
            let written = loop.makePromise(of: Void.self)
            written.futureResult.whenFailure { promise.fail($0) }
            channel.write(RESPRequest(bytes: bytes, promise: promise), promise: written)
        }
        channel.flush()
        let channel = self.channel
        let all = EventLoopFuture.whenAllComplete(futures, on: loop)
        let deadline = loop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        all.whenComplete { _ in deadline.cancel() }
        do {
            return try await all.get()
        } catch {
            return commands.map { _ in .failure(error) }
        }
    }

    /// Closes the connection; harmless when it is already closed.
    public func close() async {
        try? await channel.close().get()
    }
}
