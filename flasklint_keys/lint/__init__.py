"""One file, with LibCST: parse, analyse, run the rules in one traversal, apply
suppressions, compute positions and fixes' text edits for what is reported."""
