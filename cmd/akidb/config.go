package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/akidb/akidb/server"
	"github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/tiering/objstore"
)

// settings are what the binary needs to start. They come from, in rising
// precedence: the defaults, the TOML config file, the environment
// (AKIDB_LISTEN, AKIDB_DATA_DIR), and the command-line flags.
type settings struct {
	Listen          string   `toml:"listen"`
	DataDir         string   `toml:"data_dir"`
	MaxMessageSize  int64    `toml:"max_message_size"` // bytes; 0 is the server default (1 GiB)
	ShutdownTimeout duration `toml:"shutdown_timeout"` // e.g. "30s"; 0 is the server default
	// DebugListen, when set, serves Go's pprof profiles over HTTP at
	// /debug/pprof/ on this host:port (env AKIDB_DEBUG_LISTEN).
	DebugListen string          `toml:"debug_listen"`
	Tiering     tieringSettings `toml:"tiering"`
	S3          s3Settings      `toml:"s3"`
}

// tieringSettings is the [tiering] table: the default policy and the
// worker (env AKIDB_TIERING, AKIDB_HOT_TTL, AKIDB_WARM_TTL,
// AKIDB_PROMOTE_AFTER, AKIDB_TIERING_INTERVAL).
type tieringSettings struct {
	Enabled      bool     `toml:"enabled"`
	HotTTL       duration `toml:"hot_ttl"`
	WarmTTL      duration `toml:"warm_ttl"`
	PromoteAfter int      `toml:"promote_after"`
	Interval     duration `toml:"interval"`
	Parallel     int      `toml:"parallel"`
	// ObjectDir is the local object store when no S3 bucket is set
	// (default <data_dir>/objects).
	ObjectDir string `toml:"object_dir"`
}

// s3Settings is the [s3] table (env AKIDB_S3_ENDPOINT, AKIDB_S3_BUCKET,
// AKIDB_S3_REGION, AKIDB_S3_ACCESS_KEY_ID, AKIDB_S3_SECRET_ACCESS_KEY,
// AKIDB_S3_PREFIX, AKIDB_S3_PATH_STYLE). A bucket switches the cold tier
// to S3.
type s3Settings struct {
	Endpoint        string `toml:"endpoint"`
	Bucket          string `toml:"bucket"`
	Region          string `toml:"region"`
	AccessKeyID     string `toml:"access_key_id"`
	SecretAccessKey string `toml:"secret_access_key"`
	Prefix          string `toml:"prefix"`
	PathStyle       bool   `toml:"path_style"`
}

func defaults() settings {
	p := tiering.DefaultPolicy()
	return settings{Listen: "127.0.0.1:5433", DataDir: "./data", Tiering: tieringSettings{
		Enabled: true, HotTTL: duration{p.HotTTL}, WarmTTL: duration{p.WarmTTL}, PromoteAfter: p.PromoteAfter,
		Interval: duration{time.Minute}, Parallel: 2,
	}}
}

// tieringConfig is the server's tiering configuration.
func (s settings) tieringConfig() server.TieringConfig {
	t := s.Tiering
	return server.TieringConfig{
		S3: objstore.S3Config{
			Endpoint: s.S3.Endpoint, Bucket: s.S3.Bucket, Region: s.S3.Region, Prefix: s.S3.Prefix, PathStyle: s.S3.PathStyle,
			AccessKeyID: s.S3.AccessKeyID, SecretAccessKey: s.S3.SecretAccessKey,
		},
		ObjectDir: t.ObjectDir,
		Policy:    tiering.Policy{HotTTL: t.HotTTL.Duration, WarmTTL: t.WarmTTL.Duration, PromoteAfter: t.PromoteAfter, Enabled: t.Enabled},
		Interval:  t.Interval.Duration,
		Parallel:  t.Parallel,
	}
}

// env applies the AKIDB_* tiering and S3 variables.
func (s *settings) env(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("AKIDB_S3_ENDPOINT", &s.S3.Endpoint)
	str("AKIDB_S3_BUCKET", &s.S3.Bucket)
	str("AKIDB_S3_REGION", &s.S3.Region)
	str("AKIDB_S3_ACCESS_KEY_ID", &s.S3.AccessKeyID)
	str("AKIDB_S3_SECRET_ACCESS_KEY", &s.S3.SecretAccessKey)
	str("AKIDB_S3_PREFIX", &s.S3.Prefix)
	str("AKIDB_TIERING_OBJECT_DIR", &s.Tiering.ObjectDir)
	str("AKIDB_DEBUG_LISTEN", &s.DebugListen)
	boolean := func(name string, dst *bool) error {
		switch v := strings.ToLower(getenv(name)); v {
		case "":
		case "1", "true", "on", "yes":
			*dst = true
		case "0", "false", "off", "no":
			*dst = false
		default:
			return fmt.Errorf("%s: not a boolean: %q", name, v)
		}
		return nil
	}
	if err := boolean("AKIDB_S3_PATH_STYLE", &s.S3.PathStyle); err != nil {
		return err
	}
	if err := boolean("AKIDB_TIERING", &s.Tiering.Enabled); err != nil {
		return err
	}
	for name, dst := range map[string]*duration{
		"AKIDB_HOT_TTL": &s.Tiering.HotTTL, "AKIDB_WARM_TTL": &s.Tiering.WarmTTL, "AKIDB_TIERING_INTERVAL": &s.Tiering.Interval,
	} {
		if v := getenv(name); v != "" {
			d, err := tiering.ParseInterval(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			dst.Duration = d
		}
	}
	if v := getenv("AKIDB_PROMOTE_AFTER"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("AKIDB_PROMOTE_AFTER: not a positive number: %q", v)
		}
		s.Tiering.PromoteAfter = n
	}
	return nil
}

// duration reads a Go duration string ("10s", "1m30s") from TOML.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := tiering.ParseInterval(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// load resolves the settings from the arguments (without the program name)
// and an environment lookup function.
func load(args []string, getenv func(string) string) (settings, error) {
	fs := flag.NewFlagSet("akidb", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	def := defaults()
	listen := fs.String("listen", def.Listen, "`host:port` to accept PostgreSQL connections on (env AKIDB_LISTEN)")
	data := fs.String("data", def.DataDir, "data `directory` (env AKIDB_DATA_DIR)")
	configFile := fs.String("config", "", "TOML config `file` (keys: listen, data_dir, max_message_size, shutdown_timeout, debug_listen, [tiering], [s3])")
	if err := fs.Parse(args); err != nil {
		return settings{}, err
	}
	if fs.NArg() > 0 {
		return settings{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	s := def
	if *configFile != "" {
		md, err := toml.DecodeFile(*configFile, &s)
		if err != nil {
			return settings{}, fmt.Errorf("config %s: %w", *configFile, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return settings{}, fmt.Errorf("config %s: unknown keys %v", *configFile, und)
		}
	}
	if v := getenv("AKIDB_LISTEN"); v != "" {
		s.Listen = v
	}
	if v := getenv("AKIDB_DATA_DIR"); v != "" {
		s.DataDir = v
	}
	if err := s.env(getenv); err != nil {
		return settings{}, err
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "listen":
			s.Listen = *listen
		case "data":
			s.DataDir = *data
		}
	})
	if s.Listen == "" {
		return settings{}, fmt.Errorf("no listen address")
	}
	if s.DataDir == "" {
		return settings{}, fmt.Errorf("no data directory")
	}
	if s.MaxMessageSize < 0 || s.ShutdownTimeout.Duration < 0 {
		return settings{}, fmt.Errorf("max_message_size and shutdown_timeout must not be negative")
	}
	return s, nil
}
