"""gunicorn's settings (Dockerfile and compose.yaml: ``gunicorn -c config/gunicorn.conf.py``).

The access log leaves query strings and referrers out (a GET form's IIN would land there) and
masks any 12-digit run left in a path; the error log is masked the same way (recall.logmask)."""

bind = "0.0.0.0:8000"
workers = 4
timeout = 60
accesslog = "-"
# %(U)s is the path without the query string; no %(f)s (the referrer carries query strings).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_iin": {"()": "recall.logmask.MaskIIN"}},
    "formatters": {"generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "filters": ["mask_iin"]},
        "access": {"class": "logging.StreamHandler", "filters": ["mask_iin"]},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
