"""Staff's session cookie and CSRF tokens, and the sign-in form: the rules without servers."""

from myndnet_web.domain.staff import (
    SignInForm,
    cookie_value,
    csrf_token,
    csrf_valid,
    session_of,
)

KEY = "the-site's-session-key"
SESSION = "A" * 43


def test_a_cookie_of_ours_gives_back_its_session_and_no_other_does():
    cookie = cookie_value(KEY, SESSION)
    assert session_of(KEY, cookie) == SESSION
    assert session_of("another key", cookie) is None
    assert session_of(KEY, cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None
    assert session_of(KEY, cookie_value(KEY, "B" * 43).replace("B" * 43, SESSION)) is None
    assert session_of(KEY, SESSION) is None and session_of(KEY, None) is None
    assert session_of(KEY, f"{SESSION}.åäö") is None
    assert session_of("", cookie) is None  # without a key nobody is signed in
    assert session_of(KEY, cookie_value(KEY, "short")) is None


def test_a_csrf_token_belongs_to_one_session():
    token = csrf_token(KEY, SESSION)
    assert csrf_valid(KEY, SESSION, token)
    assert not csrf_valid(KEY, "B" * 43, token)
    assert not csrf_valid(KEY, SESSION, "")
    assert not csrf_valid(KEY, SESSION, "åäö\x00")  # hostile input is refused, not an error
    assert token != cookie_value(KEY, SESSION).rpartition(".")[2]  # not the cookie's signature


def test_the_sign_in_form_asks_for_an_address_in_the_right_form():
    assert SignInForm.from_form({}).errors == {"email": "email_missing"}
    assert SignInForm.from_form({"email": "anna"}).errors == {"email": "email_invalid"}
    assert SignInForm.from_form({"email": "a\x00b@csn.se"}).errors == {"email": "email_invalid"}
    form = SignInForm.from_form({"email": " anna.andersson@csn.se "})
    assert form.errors == {} and form.email == "anna.andersson@csn.se"
