-- A registrant's yes to news is handed to notify too, once the address is confirmed.
ALTER TABLE notify_requests DROP CONSTRAINT notify_requests_path_check;
ALTER TABLE notify_requests ADD CONSTRAINT notify_requests_path_check
    CHECK (path IN ('/letters', '/letters/forget', '/news-consents'));
