package splunk

import (
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
)

// LoadProfile gives the tests a built-in profile.
func LoadProfile(name string) (*mapping.Profile, error) {
	return New().(*Backend).profile(target.Options{Profile: name})
}
