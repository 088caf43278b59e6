"""Changing files: ``--fix``/``--diff`` (the rules' fixes through LibCST) and
``--add-noqa`` (suppression comments), both in the project context of the run."""
