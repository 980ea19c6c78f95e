package sql

import (
	"strings"

	"github.com/akidb/akidb/pgerr"
)

// akidbStmt is one of AkiDB's own statements (collections, snapshots,
// tiers). Their grammar lands with the collection and tiering work; until
// then they are recognised and reported as not implemented.
type akidbStmt struct {
	words []string // the leading keywords, upper-cased
	text  string
}

func (st *akidbStmt) is(w1, w2 string) bool {
	return len(st.words) >= 2 && st.words[0] == w1 && st.words[1] == w2
}

var akidbLeads = [][]string{
	{"CREATE", "COLLECTION"},
	{"ALTER", "COLLECTION"},
	{"DROP", "COLLECTION"},
	{"SHOW", "COLLECTIONS"},
	{"CREATE", "SNAPSHOT"},
	{"SHOW", "SNAPSHOTS"},
	{"RESTORE", "COLLECTION"},
	{"DROP", "SNAPSHOT"},
}

// mayHoldAkiDBStmt is a cheap test run before every parse.
func mayHoldAkiDBStmt(q string) bool {
	for i := 0; i+len("SNAPSHOT") <= len(q); i++ {
		switch q[i] | 0x20 {
		case 'c', 's':
			if strings.EqualFold(q[i:i+len("SNAPSHOT")], "SNAPSHOT") ||
				(i+len("COLLECTION") <= len(q) && strings.EqualFold(q[i:i+len("COLLECTION")], "COLLECTION")) {
				return true
			}
		}
	}
	return false
}

// parseAkiDB recognises an AkiDB statement by its leading keywords.
func parseAkiDB(text string) (*akidbStmt, bool, error) {
	words := leadingWords(text, 2)
	for _, lead := range akidbLeads {
		if len(words) >= 2 && words[0] == lead[0] && words[1] == lead[1] {
			return &akidbStmt{words: words, text: strings.TrimSpace(text)}, true, nil
		}
	}
	return nil, false, nil
}

func leadingWords(text string, n int) []string {
	var out []string
	i := 0
	for len(out) < n {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
			i++
		}
		if i+1 < len(text) && text[i] == '-' && text[i+1] == '-' {
			for i < len(text) && text[i] != '\n' {
				i++
			}
			continue
		}
		j := i
		for j < len(text) && (text[j]|0x20 >= 'a' && text[j]|0x20 <= 'z' || text[j] == '_') {
			j++
		}
		if j == i {
			break
		}
		out = append(out, strings.ToUpper(text[i:j]))
		i = j
	}
	return out
}

func (st *akidbStmt) notImplemented() error {
	return pgerr.New(pgerr.FeatureNotSupported, "%s is not yet implemented", strings.Join(st.words, " "))
}
