public enum RulecDriverPlaceholder {}
