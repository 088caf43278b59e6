"""Line and column of syntax nodes, computed only for files that need them.

LibCST's ``MetadataWrapper.resolve(PositionProvider)`` walks the whole tree with
a visitor before generating code; the positions come from the code generation
alone, so this runs just that (half the cost). It leans on two LibCST internals
(``Module._codegen`` and ``provider._computed``); if they ever change, the
public route is taken instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider


def positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    try:
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        provider = PositionProvider()
        state = PositionProvidingCodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=provider,
        )
        module._codegen(state)
        # The provider stores plain CodeRange values (no lazy ones) for every node.
        return cast(Mapping[cst.CSTNode, CodeRange], provider._computed)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - a future LibCST
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
