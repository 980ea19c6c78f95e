package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
)

// Objects are checked against the checksum their manifest gives: from
// format version 2 on a CRC-32C (Castagnoli), which the CPU computes at
// several GB/s (S3's and Google Cloud Storage's object checksums are
// CRCs too); version 1 manifests give a SHA-256, still verified. A
// checksum guards against corruption in transit and at rest, not against
// tampering: whoever can replace an object can replace its manifest.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// newChecksum returns the hash that new snapshots record (Object.CRC32C).
func newChecksum() hash.Hash { return crc32.New(castagnoli) }

// sumHex returns h's sum in lowercase hex, as manifests hold it.
func sumHex(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// checksum returns the name of o's checksum, a hash to compute it with
// and the value the manifest gives.
func (o Object) checksum() (name string, h hash.Hash, want string) {
	if o.CRC32C != "" {
		return "CRC-32C", crc32.New(castagnoli), o.CRC32C
	}
	return "SHA-256", sha256.New(), o.SHA256
}

// verify checks sum, computed with the hash o.checksum returns, against
// the manifest's.
func (o Object) verify(sum string) error {
	name, _, want := o.checksum()
	if sum != want {
		return fmt.Errorf("object %s: checksum mismatch: %s %s, the manifest says %s", o.Name, name, sum, want)
	}
	return nil
}

// checkChecksum checks that o gives the checksum its manifest's version
// calls for, well formed, and no other.
func (o Object) checkChecksum(version int) error {
	name, want, size, other := "crc32c", o.CRC32C, crc32.Size, o.SHA256
	if version < 2 {
		name, want, size, other = "sha256", o.SHA256, sha256.Size, o.CRC32C
	}
	if other != "" {
		return fmt.Errorf("object %q: a format version %d manifest gives %s checksums only", o.Name, version, name)
	}
	if len(want) != 2*size || !isLowerHex(want) {
		return fmt.Errorf("object %q: bad %s %q", o.Name, name, want)
	}
	return nil
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// fileChecksum returns the sum in hex, computed with h, of f's contents
// from its start whatever its offset, and the number of bytes summed.
func fileChecksum(f *os.File, h hash.Hash) (string, int64, error) {
	n, err := io.Copy(h, io.NewSectionReader(f, 0, math.MaxInt64))
	if err != nil {
		return "", n, err
	}
	return sumHex(h), n, nil
}
