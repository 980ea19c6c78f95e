package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/BurntSushi/toml"
)

// settings are what the binary needs to start. They come from, in rising
// precedence: the defaults, the TOML config file, the environment
// (AKIDB_LISTEN, AKIDB_DATA_DIR), and the command-line flags.
type settings struct {
	Listen          string   `toml:"listen"`
	DataDir         string   `toml:"data_dir"`
	MaxMessageSize  int64    `toml:"max_message_size"` // bytes; 0 is the server default (1 GiB)
	ShutdownTimeout duration `toml:"shutdown_timeout"` // e.g. "30s"; 0 is the server default
}

func defaults() settings {
	return settings{Listen: "127.0.0.1:5433", DataDir: "./data"}
}

// duration reads a Go duration string ("10s", "1m30s") from TOML.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
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
	configFile := fs.String("config", "", "TOML config `file` (keys: listen, data_dir, max_message_size, shutdown_timeout)")
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
