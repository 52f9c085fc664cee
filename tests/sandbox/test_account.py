"""The platform account that dj-stripe reads first."""


def test_account_is_the_platform_account(client) -> None:
    account = client.v1.accounts.retrieve_current()

    assert account.id.startswith("acct_")
    assert account.object == "account"


def test_accounts_list_holds_the_platform_account(client) -> None:
    account = client.v1.accounts.retrieve_current()

    assert [a.id for a in client.v1.accounts.list().data] == [account.id]


def test_branding_is_an_object_without_files(client) -> None:
    branding = client.v1.accounts.retrieve_current().settings.branding

    assert (branding.icon, branding.logo) == (None, None)


def test_the_account_survives_a_reset(client, control) -> None:
    before = client.v1.accounts.retrieve_current().id

    control("/_sandbox/reset", {})

    assert client.v1.accounts.retrieve_current().id == before
