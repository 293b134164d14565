

async def test_conditions_and_ranges_tell_nothing_without_read(s3: Clients) -> None:
    await _bucket(s3, "quiet")
    for headers in ({"If-Match": '"nope"'}, {"Range": "bytes=100-200"},
                    {"If-None-Match": "*"}):
        assert_error(await s3.send("b", "GET", "/quiet/k", headers=headers), "AccessDenied", 403)
    assert_error(await s3.send("b", "GET", "/quiet/k?partNumber=9"), "AccessDenied", 403)
