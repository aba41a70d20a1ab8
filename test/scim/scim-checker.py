"""Runs scim2-tester (https://pypi.org/project/scim2-tester/), an RFC 7643/7644 compliance checker
no one at Postern wrote, against a running gateway's /scim/v2, and prints its results as JSON lines.

It knows only what the server publishes (ServiceProviderConfig, ResourceTypes, Schemas) and fills
resources from the published schemas. Usage: python scim-checker.py <base-url> <bearer-token> <domain>

One thing it is told besides the schema: the mail domain of the company. Postern provisions users only
at addresses under a domain the account proved through DNS (docs/identity-scim.md, "Addresses"), and
an identity provider only ever sends its company's addresses; the checker's filler invents
`<uuid>@<uuid>.com`, which Postern rightly refuses (400 invalidValue). So email values are generated
at `<uuid>@<domain>` instead; every other value, and every check, is the checker's own.
"""

import json
import re
import sys
from typing import Any


import httpx2
import scim2_tester.checkers.patch_add as patch_add
import scim2_tester.checkers.patch_replace as patch_replace
import scim2_tester.filling as filling
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server


RANDOM_ADDRESS = re.compile(r"^[0-9a-f-]{36}@[0-9a-f-]{36}\.com$")


def company_addresses(domain: str) -> None:
    """Email values under `domain`; the checker's filler decides everything else."""
    generate = filling.generate_random_value

    def at_domain(value: Any) -> Any:
        if isinstance(value, str) and RANDOM_ADDRESS.match(value):
            return f"{value.split('@')[0]}@{domain}"
        if isinstance(value, list):
            return [at_domain(v) for v in value]
        return value

    def generate_at_domain(context, path, mutability=None, required=None):  # type: ignore[no-untyped-def]
        return at_domain(generate(context, path, mutability=mutability, required=required))

    # The PATCH checkers imported the function by name; the filler calls it for each sub-attribute.
    for module in (filling, patch_add, patch_replace):
        module.generate_random_value = generate_at_domain


def main() -> None:
    base_url, token, domain = sys.argv[1], sys.argv[2], sys.argv[3]
    company_addresses(domain)
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    for r in check_server(client):
        print(
            json.dumps(
                {
                    "status": r.status.name,
                    "title": r.title,
                    "resourceType": r.resource_type,
                    "reason": r.reason,
                    "tags": sorted(r.tags or []),
                    "data": repr(r.data)[:1500] if r.data is not None else None,
                }
            )
        )


if __name__ == "__main__":
    main()
