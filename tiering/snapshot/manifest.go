package snapshot

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/akidb/akidb/types"
)

// FormatVersion is the version of the snapshot layout this package writes
// (manifest fields and data file encoding). Download refuses manifests of
// a newer version. Version 2 checks objects with CRC-32C, version 1 with
// SHA-256; the layout is otherwise the same.
const FormatVersion = 2

// Object names of a snapshot.
const (
	DataObject     = "data.parquet"
	GraphObject    = "graph.hnsw"
	ManifestObject = "manifest.json"
)

// Manifest describes one snapshot. It is the last object uploaded and the
// first deleted: a snapshot exists exactly when its manifest does.
type Manifest struct {
	FormatVersion int    `json:"format_version"`
	ID            string `json:"id"`
	Collection    string `json:"collection"`
	CollectionID  uint32 `json:"collection_id"`
	// CreatedAt is written in UTC with nanoseconds (RFC 3339).
	CreatedAt time.Time        `json:"created_at"`
	Columns   []ManifestColumn `json:"columns"`
	Rows      int64            `json:"rows"`
	// Extra is the caller's: table and index descriptors, the index log
	// sequence the snapshot was taken at, and so on.
	Extra json.RawMessage `json:"extra,omitempty"`
	// Objects are the snapshot's data objects, sorted by name; Upload
	// fills them in.
	Objects []Object `json:"objects"`
}

// ManifestColumn is a column of the snapshot's rows.
type ManifestColumn struct {
	Name     string `json:"name"`
	TypeOID  uint32 `json:"type_oid"`
	Typmod   int32  `json:"typmod"`
	TypeName string `json:"type_name"`
	NotNull  bool   `json:"not_null"`
}

// Object is one data object of a snapshot. It has one checksum, in
// lowercase hex: CRC32C from format version 2 on, SHA256 before.
type Object struct {
	Name   string `json:"name"`  // "data.parquet", "graph.hnsw", ...
	Key    string `json:"key"`   // the full object key
	Bytes  int64  `json:"bytes"` // size
	CRC32C string `json:"crc32c,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// ColumnsOf returns the manifest form of cols.
func ColumnsOf(cols []Column) []ManifestColumn {
	out := make([]ManifestColumn, len(cols))
	for i, c := range cols {
		out[i] = ManifestColumn{Name: c.Name, TypeOID: c.Type.OID, Typmod: c.Type.Mod, TypeName: c.Type.String(), NotNull: c.NotNull}
	}
	return out
}

// Schema returns the manifest's columns as Columns, for ReadFile.
func (m *Manifest) Schema() []Column {
	out := make([]Column, len(m.Columns))
	for i, c := range m.Columns {
		out[i] = Column{Name: c.Name, Type: types.T{OID: c.TypeOID, Mod: c.Typmod}, NotNull: c.NotNull}
	}
	return out
}

// Object returns the data object called name.
func (m *Manifest) Object(name string) (Object, bool) {
	for _, o := range m.Objects {
		if o.Name == name {
			return o, true
		}
	}
	return Object{}, false
}

// MarshalJSON writes CreatedAt in UTC.
func (m Manifest) MarshalJSON() ([]byte, error) {
	type plain Manifest
	p := plain(m)
	p.CreatedAt = p.CreatedAt.UTC()
	return json.Marshal(p)
}

// idTimeFormat is the time part of a snapshot id: fixed width, so ids sort
// by time.
const idTimeFormat = "20060102T150405.000000Z"

// NewID returns a new snapshot id for a snapshot taken at now, such as
// 20261201T055342.123456Z-1f2e3d4c: the UTC time to the microsecond, then
// 32 random bits. Ids sort by creation time, so newest first is reverse
// lexical order.
func NewID(now time.Time) string {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return now.UTC().Format(idTimeFormat) + "-" + hex.EncodeToString(r[:])
}

// IDTime returns the creation time encoded in a snapshot id.
func IDTime(id string) (time.Time, error) {
	ts, _, ok := strings.Cut(id, "-")
	if !ok {
		return time.Time{}, fmt.Errorf("snapshot id %q has no random part", id)
	}
	return time.Parse(idTimeFormat, ts)
}

// checkID rejects ids that are not a single key segment.
func checkID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\\\x00") {
		return fmt.Errorf("invalid snapshot id %q", id)
	}
	return nil
}

// checkName rejects object names that are not a single key segment or
// that would be the manifest.
func checkName(name string) error {
	if name == ManifestObject {
		return fmt.Errorf("%q is the manifest's object name", name)
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return fmt.Errorf("invalid object name %q", name)
	}
	return nil
}

// validate checks a manifest read from the store.
func (m *Manifest) validate(collectionID uint32, id string) error {
	if m.FormatVersion < 1 || m.FormatVersion > FormatVersion {
		return fmt.Errorf("unsupported snapshot format version %d (this server reads up to %d)", m.FormatVersion, FormatVersion)
	}
	if m.ID != id {
		return fmt.Errorf("manifest has id %q", m.ID)
	}
	if m.CollectionID != collectionID {
		return fmt.Errorf("manifest has collection id %d", m.CollectionID)
	}
	seen := map[string]bool{}
	for _, o := range m.Objects {
		if err := checkName(o.Name); err != nil {
			return err
		}
		if seen[o.Name] {
			return fmt.Errorf("object %q listed twice", o.Name)
		}
		seen[o.Name] = true
		if o.Bytes < 0 {
			return fmt.Errorf("object %q: bad size %d", o.Name, o.Bytes)
		}
		if err := o.checkChecksum(m.FormatVersion); err != nil {
			return err
		}
	}
	return nil
}
