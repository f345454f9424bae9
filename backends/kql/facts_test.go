package kql_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/kql/kqlcheck"
	"github.com/detc/detc/backends/mapping"
	logschema "github.com/detc/detc/internal/testutil/schema"
)

var (
	tableLacks  = regexp.MustCompile(`^(\w+) has no (\w+) column\b`)
	sysmonLacks = regexp.MustCompile(`^Sysmon event ([0-9/]+) has no (\w+) field$`)
)

// TestProfileRefusalFacts checks the refusals that say a column or field
// does not exist against the schema data: "<Table> has no <Column> column"
// against the declared workspace (workspace.yml, from Microsoft's table
// references), "Sysmon event N has no F field" against Sysmon's schema.
// Every table and function a profile reads is declared there too.
func TestProfileRefusalFacts(t *testing.T) {
	ws, err := kqlcheck.Workspace()
	require.NoError(t, err)
	sysmon := logschema.Sysmon()
	checked := 0
	for _, name := range kql.New().Profiles() {
		if name == "raw" {
			continue
		}
		prof, err := kql.Profile(name, nil)
		require.NoError(t, err)
		for _, src := range prof.Sources {
			where := name + " " + mapping.Describe(src.LogSource)
			from := src.Attr("table") + src.Attr("function")
			_, ok := ws.Columns(from)
			assert.True(t, ok, "%s: %s is not declared in workspace.yml", where, from)
			for field, m := range src.Fields {
				if g := tableLacks.FindStringSubmatch(m.Unsupported); g != nil {
					checked++
					cols, ok := ws.Columns(g[1])
					if !assert.True(t, ok, "%s %s: %s is not declared", where, field, g[1]) {
						continue
					}
					for _, c := range cols {
						assert.NotEqual(t, g[2], c.Name, "%s %s: %q, but %s has the column", where, field, m.Unsupported, g[1])
					}
				}
				if g := sysmonLacks.FindStringSubmatch(m.Unsupported); g != nil {
					checked++
					for _, id := range strings.Split(g[1], "/") {
						n, _ := strconv.Atoi(id)
						require.Contains(t, sysmon, n, where)
						assert.False(t, sysmon[n][g[2]], "%s: Sysmon event %d has %s", where, n, g[2])
					}
				}
			}
		}
	}
	assert.Positive(t, checked)
}

// absence is what a refusal's "has no …", "records no …" or "keeps no …"
// claims: no column of the source's table or function matches Columns
// (case-insensitive), the columns Except matches aside.
type absence struct {
	Columns string
	Except  string
}

// absences are the things the profiles' refusals say a table or schema
// lacks, by the words that follow "has no", "records no" or "keeps no",
// each with the column names that would make the claim false. A new
// claim must be added here, so every such refusal is checked.
var absences = map[string]absence{
	"IPv6 flag":                       {Columns: `ipv6`},
	"URL extension":                   {Columns: `(url|uri|file)extension|^extension$`},
	"URL path":                        {Columns: `(url|uri).*path|path.*(url|uri)`},
	"URL query":                       {Columns: `(url|uri).*query|querystring`},
	"standard HTTP status":            {Columns: `status`},
	"HTTP status":                     {Columns: `status`},
	"HTTP method":                     {Columns: `method`},
	"cookie":                          {Columns: `cookie`},
	"referrer":                        {Columns: `refer`},
	"user-agent":                      {Columns: `useragent|user_agent`},
	"thread start address":            {Columns: `startaddress`},
	"thread start function":           {Columns: `startfunction`},
	"thread start module":             {Columns: `startmodule`},
	"call stack":                      {Columns: `calltrace|callstack|stacktrace`},
	"current directory":               {Columns: `currentdirectory|workingdirectory`},
	"parent id of the target process": {Columns: `^(processparentid|parentprocessid|targetparentprocessid)$`},
	"file creation time":              {Columns: `^(file)?creationtime$|filecreat`},
	"parent command line":             {Columns: `parent.*commandline`},
	"signature":                       {Columns: `signature|signer|signed`},
	// The InitiatingProcessVersionInfo columns describe the loading process.
	"version information": {Columns: `versioninfo|originalfilename|companyname|productname|filedescription`, Except: `^InitiatingProcess`},
	"byte counts":         {Columns: `bytes`},
	"import hash":         {Columns: `imphash|importhash`},
	// SecurityEvent's FileHash is AppLocker's (events 8002-8007); the
	// CA columns are certificate services'. Event 4688 fills none.
	"hashes":             {Columns: `sha1|sha256|md5|hash`, Except: `^(FileHash|CACertificateHash|CAPublicKeyHash|CertificateDatabaseHash)$`},
	"original file name": {Columns: `originalfilename`},
	// A Kubernetes audit event's keys (AKSAudit's columns): the API group
	// is a member of objectRef, hostPath and capabilities are in the
	// request body.
	"top-level apiGroup": {Columns: `apigroup`},
	"hostPath field":     {Columns: `hostpath`},
	"capabilities field": {Columns: `capabilit`},
}

// notColumnClaims are "has no" phrases that speak of a value's form, not
// of a column: nothing in the schema can confirm or refute them.
var notColumnClaims = map[string]bool{
	"ASIM equivalent": true, // QueryResults' list has no ASIM column of the same form
}

var lacksPhrase = regexp.MustCompile(`\b(?:has|records|keeps) no ([A-Za-z0-9 -]+?)(?: columns?)?(?:$|[;(,.]| of the loaded| \()`)

// TestProfileRefusalAbsences checks every refusal that says a table or
// schema has, records or keeps no such thing against the declared columns
// of the source's table or function (workspace.yml).
func TestProfileRefusalAbsences(t *testing.T) {
	ws, err := kqlcheck.Workspace()
	require.NoError(t, err)
	checked := 0
	for _, name := range kql.New().Profiles() {
		if name == "raw" {
			continue
		}
		prof, err := kql.Profile(name, nil)
		require.NoError(t, err)
		for _, src := range prof.Sources {
			from := src.Attr("table") + src.Attr("function")
			cols, _ := ws.Columns(from)
			for field, m := range src.Fields {
				if m.Unsupported == "" || tableLacks.MatchString(m.Unsupported) || sysmonLacks.MatchString(m.Unsupported) {
					continue
				}
				for _, g := range lacksPhrase.FindAllStringSubmatch(m.Unsupported, -1) {
					phrase := strings.TrimSpace(g[1])
					if notColumnClaims[phrase] {
						continue
					}
					where := name + " " + mapping.Describe(src.LogSource) + " " + field
					claim, ok := absences[phrase]
					if !assert.True(t, ok, "%s: %q claims %q is missing: add what would refute it to absences", where, m.Unsupported, phrase) {
						continue
					}
					checked++
					re := regexp.MustCompile(`(?i)` + claim.Columns)
					for _, c := range cols {
						if claim.Except != "" && regexp.MustCompile(claim.Except).MatchString(c.Name) {
							continue
						}
						assert.False(t, re.MatchString(c.Name), "%s: %q, but %s has the column %s", where, m.Unsupported, from, c.Name)
					}
				}
			}
		}
	}
	assert.Positive(t, checked)
}
