"""A real BullMQ Worker (BullMQ's own Python package) that records every job it processes.

    .venv-bullmq/bin/python scripts/bullmq_consumer.py --redis redis://127.0.0.1:PORT \
        --queue sms --queue email --out processed.jsonl [--expect N] [--timeout 120]

One line of JSON per processed job, flushed at once:
    {"queue": "sms", "id": "<job id>", "name": "send_sms", "data": {...}, "timestamp": <ms the
     job was added>, "processed_at": <ms>, "attempts_made": 0}

The relay tests read the file to check that every outbox job reached BullMQ with the right name
and data, and that no job was processed twice. It stops on SIGTERM/SIGINT, after --expect jobs,
or after --timeout seconds (always bounded), and prints a summary line to stderr.
"""
import argparse
import asyncio
import json
import signal
import sys
import time

from bullmq import Worker


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True)
    parser.add_argument("--queue", action="append", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--expect", type=int, default=0, help="stop after this many jobs (0: never)")
    parser.add_argument("--timeout", type=float, default=300.0, help="stop after this many seconds")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--prefix", default="bull")
    args = parser.parse_args()

    done = asyncio.Event()
    processed = 0
    out = open(args.out, "a", encoding="utf-8")

    def make_processor(queue: str):
        async def process(job, token):
            nonlocal processed
            record = {
                "queue": queue,
                "id": job.id,
                "name": job.name,
                "data": job.data,
                "timestamp": job.timestamp,
                "processed_at": int(time.time() * 1000),
                "attempts_made": job.attemptsMade,
            }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            out.flush()
            processed += 1
            if args.expect and processed >= args.expect:
                done.set()
            return "ok"
        return process

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)

    workers = [
        Worker(q, make_processor(q), {"connection": args.redis, "prefix": args.prefix,
                                      "concurrency": args.concurrency, "drainDelay": 1})
        for q in args.queue
    ]
    # Tell the caller the workers are up (the tests wait for this line).
    print("bullmq_consumer: ready", file=sys.stderr, flush=True)
    try:
        await asyncio.wait_for(done.wait(), timeout=args.timeout)
    except asyncio.TimeoutError:
        pass
    for w in workers:
        await w.close()
    out.close()
    print(f"bullmq_consumer: processed {processed}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
