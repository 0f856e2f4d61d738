"""Many threads of one worker on one ticket: no request ever fails with 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.api.helpers import comments_url, ticket_url, version_of


def test_hot_ticket_reads_and_writes_never_fail(
    client, tokens, directory, create_ticket
):
    alice = tokens.member(directory.alice)
    ticket_id = create_ticket()
    for n in range(100):
        client.simulate_post(
            comments_url(ticket_id), json={"comment": f"c{n}"}, headers=alice
        )

    def hit(n: int) -> int:
        if n % 2:
            return client.simulate_post(
                comments_url(ticket_id), json={"comment": f"x{n}"}, headers=alice
            ).status_code
        return client.simulate_get(ticket_url(ticket_id), headers=alice).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(hit, range(400)))

    assert set(codes) <= {200, 201}
    assert codes.count(201) == 200
    assert version_of(client, tokens, ticket_id) == 1 + 100 + 200
