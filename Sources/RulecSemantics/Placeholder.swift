public enum RulecSemanticsPlaceholder {}
