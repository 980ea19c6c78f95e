// Package server speaks the PostgreSQL frontend/backend protocol 3.0 and
// hands statements to sql.Session. (Being written.)
package server
