// Package tiering will move collections between the HOT (index in RAM),
// WARM (local disk) and COLD (Parquet snapshot in an object store) tiers.
// It is empty until collections exist; it sits under storage and imports
// nothing above it.
package tiering
