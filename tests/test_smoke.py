from conftest import login


def test_admin_sees_home_and_street_list(client):
    login(client)
    home = client.get("/")
    assert home.status_code == 200
    assert client.get("/street/list/").status_code == 200
