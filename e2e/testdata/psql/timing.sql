\timing on
CREATE TABLE t (a int);
INSERT INTO t VALUES (1), (2), (3);
SELECT sum(a) FROM t;
\timing off
SELECT 'off' AS timing;
DROP TABLE t;
