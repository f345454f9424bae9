package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSysmon(t *testing.T) {
	s := Sysmon()
	assert.Len(t, s, 29)
	assert.True(t, s[13]["Details"])
	assert.True(t, s[10]["GrantedAccess"])
	assert.False(t, s[11]["CommandLine"], "FileCreate names no command line")
}
