"""The foundation every layer shares, with no LibCST: the data model, configuration,
options, the rule catalog and the pre-pass vocabulary."""
