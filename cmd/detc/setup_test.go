package main

import (
	"os"
	"testing"

	"github.com/detc/detc/internal/project"
)

// TestMain runs the tests without a project file, whatever detc.hcl the
// checkout holds, so that each test's paths and defaults are its own;
// the tests of the project file set DETC_CONFIG or --config themselves.
func TestMain(m *testing.M) {
	os.Setenv(project.ConfigEnv, project.NoConfig)
	os.Exit(m.Run())
}
