-- The retention job finds old sign-up attempts by time.
CREATE INDEX signup_attempts_by_time ON signup_attempts (at);
