"""Each security promise of the dashboard, tried the way an attacker would."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

import markupsafe
import pytest
from fastapi.testclient import TestClient

from netsynth.dashboard import create_app
from netsynth.dashboard.architecture_graphs import ArchitectureGraphs
from netsynth.dashboard.security import UnsafePathError, check_bind, confined_path, host_name
from netsynth.dashboard.serve import serve
from netsynth.storage import open_storage
from tests.dashboard.conftest import TOKEN, XSS


def _escaped_only(text: str) -> None:
    """The payload shows as text: escaped, and nowhere raw."""
    assert XSS not in text
    assert any(escaped in text for escaped in (str(markupsafe.escape(XSS)), html.escape(XSS)))


# -- escaping ------------------------------------------------------------------------------


def test_an_experiment_named_like_an_attack_renders_as_text(client: TestClient) -> None:
    _escaped_only(client.get("/").text)
    _escaped_only(client.get("/fragments/experiments").text)
    name = quote(XSS, safe="")
    page = client.get(f"/experiments/{name}").text
    _escaped_only(page)
    assert f'data-live="/api/experiments/{name}/live"' in page  # attributes hold it encoded
    _escaped_only(client.get(f"/experiments/{name}/trials/0").text)


def test_a_parameter_named_like_an_attack_renders_as_text(client: TestClient) -> None:
    for url in (
        "/experiments/hpo",
        "/experiments/hpo/trials/0",
        "/experiments/hpo/compare?trials=0,1",
    ):
        _escaped_only(client.get(url).text)


def test_a_reason_like_an_attack_renders_as_text(client: TestClient) -> None:
    _escaped_only(client.get("/experiments/nas-chain?state=FAILED").text)
    _escaped_only(client.get("/experiments/nas-chain/trials/6").text)


def test_an_op_label_like_an_attack_renders_as_text(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = {
        "kind": "chain",
        "nodes": [{"id": 0, "label": XSS}, {"id": 1, "label": "out"}],
        "edges": [{"source": 0, "target": 1, "label": XSS}],
    }
    monkeypatch.setattr(ArchitectureGraphs, "graph", lambda self, record, trial: graph)
    page = client.get("/experiments/nas-dag/trials/0").text
    assert "<svg" in page
    _escaped_only(page)
    _escaped_only(client.get("/experiments/nas-dag").text)  # the thumbnails


def test_json_embedded_in_pages_cannot_close_its_script_tag(client: TestClient) -> None:
    page = client.get("/experiments/hpo/trials/0").text
    data = page.split('id="curve-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data


# -- Host header ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example"])
def test_a_host_outside_the_allowlist_is_refused(client: TestClient, host: str) -> None:
    response = client.get("/api/experiments", headers={"Host": host})
    assert response.status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"])
def test_loopback_hosts_are_allowed(client: TestClient, host: str) -> None:
    assert client.get("/api/experiments", headers={"Host": host}).status_code == 200


def test_extra_hosts_are_allowed_when_named(storage_url: str, tmp_path: Path) -> None:
    app = create_app(storage_url, token=TOKEN, out=tmp_path, hosts=["models.lab"])
    with TestClient(app, base_url="http://models.lab:8765") as client:
        assert client.get("/api/experiments").status_code == 200


def test_host_name_parsing() -> None:
    assert host_name("Example.org:80") == "example.org"
    assert host_name("[::1]:8765") == "::1"
    assert host_name("::1") == "::1"


# -- the token -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_writes_without_the_token_are_refused(client: TestClient, method: str) -> None:
    response = client.request(method, "/api/experiments/hpo/pick", json={"trial": 0})
    assert response.status_code == 401
    wrong = client.request(
        method, "/api/experiments/hpo/pick", json={"trial": 0}, headers={"X-Netsynth-Token": "x"}
    )
    assert wrong.status_code == 403
    assert "picked" not in client.get("/api/experiments/hpo").json() or (
        client.get("/api/experiments/hpo").json()["picked"] is None
    )


def test_writes_to_unknown_routes_need_the_token_too(client: TestClient) -> None:
    assert client.post("/api/anything").status_code == 401
    assert client.delete("/experiments/hpo").status_code == 401


def test_a_cross_origin_write_is_refused_even_with_the_token(client: TestClient) -> None:
    response = client.post(
        "/api/experiments/hpo/pick",
        json={"trial": 0},
        headers={"X-Netsynth-Token": TOKEN, "Origin": "http://evil.example"},
    )
    assert response.status_code == 403


def test_the_token_is_accepted_as_header_or_cookie(client: TestClient) -> None:
    header = client.post(
        "/api/experiments/hpo/pick", json={"trial": 1}, headers={"X-Netsynth-Token": TOKEN}
    )
    assert header.status_code == 200, header.text
    assert client.get("/api/experiments/hpo").json()["picked"]["trial"] == 1
    client.cookies.set("netsynth_token", TOKEN)
    assert client.delete("/api/experiments/hpo/pick").status_code == 200
    assert client.get("/api/experiments/hpo").json()["picked"] is None


def test_the_printed_link_sets_the_cookie_and_drops_the_token_from_the_url(
    client: TestClient,
) -> None:
    response = client.get(f"/experiments/hpo?token={TOKEN}&sort=value", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/experiments/hpo?sort=value"
    cookie = response.headers["set-cookie"]
    assert f"netsynth_token={TOKEN}" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()


def test_responses_carry_a_content_security_policy(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


# -- binding -------------------------------------------------------------------------------


def test_a_non_loopback_host_without_a_token_is_refused(storage_url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--token"):
        serve(open_storage(storage_url, read_only=True), host="0.0.0.0", out=tmp_path)
    with pytest.raises(ValueError, match="--token"):
        check_bind("192.168.1.20", None)
    check_bind("192.168.1.20", "secret")
    check_bind("127.0.0.1", None)
    check_bind("::1", None)


# -- export paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder",
    [
        "../outside",
        "a/../../outside",
        "%2e%2e%2foutside",
        "%2E%2E/outside",
        "%252e%252e%252foutside",
        "..%5coutside",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "~/outside",
    ],
)
def test_export_paths_outside_the_output_folder_are_refused(
    client: TestClient, folder: str, out: Path
) -> None:
    response = client.post(
        "/api/experiments/nas-chain/pick",
        json={"trial": 5, "folder": folder},
        headers={"X-Netsynth-Token": TOKEN},
    )
    assert response.status_code == 400, response.text
    assert str(out) not in response.text
    with pytest.raises(UnsafePathError):
        confined_path(out, folder)


def test_a_symlink_out_of_the_output_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafePathError):
        confined_path(out, "link/escaped")
    assert confined_path(out, "exp/trial-1") == (out / "exp" / "trial-1").resolve()


# -- errors --------------------------------------------------------------------------------


def test_an_exception_in_a_handler_is_a_generic_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError(f"secret detail in {Path(__file__)}")

    monkeypatch.setattr("netsynth.dashboard.reader.StorageReader.experiments", broken)
    for url in ("/api/experiments", "/"):
        response = client.get(url)
        assert response.status_code == 500
        assert "Traceback" not in response.text and "secret detail" not in response.text
        assert str(Path(__file__).parent) not in response.text and ".py" not in response.text


def test_no_error_response_names_the_storage_file(client: TestClient, storage_url: str) -> None:
    path = storage_url.split(":///", 1)[1]
    for url in (
        "/api/experiments/nope",
        "/experiments/nope/trials/1",
        "/api/experiments/hpo/trials/x",
    ):
        response = client.get(url)
        assert response.status_code in (400, 404)
        assert path not in response.text and "Traceback" not in response.text


def test_nothing_is_ever_unpickled() -> None:
    root = Path(__file__).resolve().parents[2] / "netsynth" / "dashboard"
    for source in root.rglob("*.py"):
        text = source.read_text()
        assert "pickle" not in text and "marshal" not in text, source
