from pathlib import Path

from kanmin.core import conf


def test_empty_email_url_writes_files_in_the_data_dir(tmp_path: Path) -> None:
    settings = conf.email("", tmp_path)
    assert settings["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert settings["EMAIL_FILE_PATH"] == str(tmp_path / "mail")


def test_smtp_url_gives_host_port_and_credentials(tmp_path: Path) -> None:
    settings = conf.email("smtps://kanmin%40city:p%2Fw@mail.example.jp", tmp_path)
    assert settings["EMAIL_HOST"] == "mail.example.jp"
    assert settings["EMAIL_PORT"] == 465
    assert settings["EMAIL_HOST_USER"] == "kanmin@city"
    assert settings["EMAIL_HOST_PASSWORD"] == "p/w"
    assert settings["EMAIL_USE_SSL"] is True


def test_email_url_of_another_scheme_is_refused() -> None:
    option = next(o for o in conf.OPTIONS if o.name == "KANMIN_EMAIL_URL")
    try:
        option.parse("http://mail.example.jp")
    except ValueError as exc:
        assert "smtp://" in str(exc)
        assert "mail.example.jp" not in str(exc)
    else:
        raise AssertionError("an http:// URL was accepted")
