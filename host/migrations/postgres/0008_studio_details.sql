-- Plugin studio details (issue 20, PostgreSQL): the peak memory of the plugin run a delivery
-- records (NULL for deliveries stored before it was kept, and for refusals before any run), and
-- the language of a plugin as its component's `producers` section names it (NULL when unknown).
ALTER TABLE deliveries ADD COLUMN peak_memory_bytes BIGINT;
ALTER TABLE plugins ADD COLUMN language TEXT;
