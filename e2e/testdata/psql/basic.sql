-- psql -f: tables, rows, expressions, errors and transactions.
CREATE TABLE items (
  id int PRIMARY KEY,
  name text NOT NULL,
  price numeric(10,2),
  qty int2 DEFAULT 0,
  active bool,
  added date,
  seen timestamp,
  score float8
);
INSERT INTO items VALUES
  (1, 'apple', 1.25, 10, true, '2024-01-15', '2024-01-15 10:30:00', 0.5),
  (2, 'banana', 0.5, 0, false, '2024-02-01', '2024-02-01 08:00:00.25', 1e-3),
  (3, 'cherry', NULL, 250, NULL, NULL, NULL, NULL);
INSERT INTO items (id, name) VALUES (4, 'date');
SELECT * FROM items ORDER BY id;
SELECT name, price * qty AS total FROM items WHERE price IS NOT NULL ORDER BY total DESC;
SELECT count(*), sum(qty), min(name), max(added) FROM items;
SELECT active, count(*) FROM items GROUP BY active ORDER BY active NULLS FIRST;
UPDATE items SET qty = qty + 1 WHERE id < 3 RETURNING id, qty;
DELETE FROM items WHERE id = 2 RETURNING name;
SELECT upper(name), length(name), name || '!' AS shout FROM items ORDER BY 1;
SELECT id FROM items WHERE name LIKE 'a%' OR name IN ('cherry') ORDER BY id;
SELECT id, CASE WHEN qty > 100 THEN 'many' ELSE 'few' END AS amount, COALESCE(price, 0) AS price
  FROM items ORDER BY id LIMIT 2 OFFSET 1;
-- errors: each is reported and the script goes on
SELECT * FROM missing_table;
SELEC 1;
INSERT INTO items (id, name) VALUES (1, 'again');
INSERT INTO items (id) VALUES (9);
SELECT 1/0;
-- transactions
BEGIN;
INSERT INTO items (id, name) VALUES (10, 'ten');
SELECT count(*) FROM items;
ROLLBACK;
SELECT count(*) FROM items;
BEGIN;
SELECT 1/0;
SELECT 1;
ROLLBACK;
SET application_name = 'psql-test';
SHOW application_name;
SELECT NULL AS nothing, '' AS empty, 'two
lines' AS text;
DROP TABLE items;
