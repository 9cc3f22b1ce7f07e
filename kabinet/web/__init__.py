"""The portal's cross-app web pieces, on the top floor because each one reads several apps: the header
(context processor), the global search, the daily-job scheduler."""
