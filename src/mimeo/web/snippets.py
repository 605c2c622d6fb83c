"""Copy-paste code that runs a model against this server with the unchanged clients.

The clients are pointed at mimeo by base URL alone, so each snippet is what a user of
replicate.com would write plus that one setting.
"""

from __future__ import annotations

import json
import pprint
import shlex
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Snippet:
    language: str
    label: str
    code: str


def snippets(base_url: str, model: str, given: dict[str, Any]) -> list[Snippet]:
    """Python (``replicate``), JavaScript (``replicate`` on npm) and curl, with ``given``."""
    python_input = pprint.pformat(given, indent=4, sort_dicts=False, width=88)
    js_input = json.dumps(given, indent=2, ensure_ascii=False)
    body = json.dumps({"input": given}, ensure_ascii=False)
    return [
        Snippet(
            "python",
            "Python",
            "# pip install replicate\n"
            "# export REPLICATE_API_TOKEN=<your token>\n"
            "import replicate\n\n"
            f"client = replicate.Client(base_url={base_url!r})\n"
            f"output = client.run(\n    {model!r},\n    input={python_input},\n)\n"
            "print(output)\n",
        ),
        Snippet(
            "javascript",
            "JavaScript",
            "// npm install replicate\n"
            'import Replicate from "replicate";\n\n'
            "const replicate = new Replicate({\n"
            "  auth: process.env.REPLICATE_API_TOKEN,\n"
            f"  baseUrl: {json.dumps(base_url + '/v1')},\n"
            "});\n"
            f"const output = await replicate.run({json.dumps(model)}, {{ input: {js_input} }});\n"
            "console.log(output);\n",
        ),
        Snippet(
            "shell",
            "curl",
            f"curl -s -X POST {base_url}/v1/models/{model}/predictions \\\n"
            '  -H "Authorization: Bearer $REPLICATE_API_TOKEN" \\\n'
            '  -H "Content-Type: application/json" \\\n'
            '  -H "Prefer: wait" \\\n'
            f"  -d {shlex.quote(body)}\n",
        ),
    ]
