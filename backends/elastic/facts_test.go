package elastic

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	logschema "github.com/detc/detc/internal/testutil/schema"
)

var (
	sysmonLacks = regexp.MustCompile(`^Sysmon event ([0-9/]+) has no (\w+) field$`)
	ecsLacks    = regexp.MustCompile(`^ECS has no (\w+) field$`)
)

// TestProfileRefusalFacts checks the ecs profile's refusals that say a
// field does not exist against the schema data: "Sysmon event N has no F
// field" against Sysmon's schema, "ECS has no X field" against ECS 9.4 and
// the integrations' fields (no field name holds X). The other refusals
// say how an integration's pipeline stores a value (it drops UtcTime,
// splits Hashes): facts of the pipelines, which field lists cannot show.
func TestProfileRefusalFacts(t *testing.T) {
	prof, err := (&Backend{}).Mapping("ecs")
	require.NoError(t, err)
	sysmon := logschema.Sysmon()
	s := loadSchema(t)
	checked := 0
	for _, src := range prof.Sources {
		where := mapping.Describe(src.LogSource)
		for field, m := range src.Fields {
			if g := sysmonLacks.FindStringSubmatch(m.Unsupported); g != nil {
				checked++
				assert.Equal(t, field, g[2], where)
				for _, id := range strings.Split(g[1], "/") {
					n, _ := strconv.Atoi(id)
					require.Contains(t, sysmon, n, where)
					assert.False(t, sysmon[n][g[2]], "%s: Sysmon event %d has %s", where, n, g[2])
				}
			}
			if g := ecsLacks.FindStringSubmatch(m.Unsupported); g != nil {
				checked++
				for name := range s.exact {
					assert.NotContains(t, strings.ToLower(name), strings.ToLower(g[1]), "%s %s: %q, but %s exists", where, field, m.Unsupported, name)
				}
			}
		}
	}
	assert.Positive(t, checked)
}

// sysmonPipelineMoves are the Sysmon EventData names the Windows
// integration's sysmon_operational ingest pipeline takes out of
// winlog.event_data (elastic/integrations, packages/windows/data_stream/
// sysmon_operational/elasticsearch/ingest_pipeline/default.yml: its
// rename, convert-and-remove and cleanup processors), with where the value
// goes ("" when it is dropped). A field mapped to winlog.event_data.<name>
// for one of them names a field no indexed Sysmon event has.
var sysmonPipelineMoves = map[string]string{
	"RuleName": "rule.name", "UtcTime": "", "Hash": "file.hash.*", "Hashes": "process.hash.* or file.hash.*",
	"ProcessGuid": "process.entity_id", "ProcessId": "process.pid", "Image": "process.executable",
	"SourceProcessGuid": "process.entity_id", "SourceProcessGUID": "process.entity_id", "SourceProcessId": "process.pid",
	"SourceThreadId": "process.thread.id", "SourceImage": "process.executable", "Destination": "process.executable",
	"CommandLine": "process.command_line", "CurrentDirectory": "process.working_directory",
	"ParentProcessGuid": "process.parent.entity_id", "ParentProcessId": "process.parent.pid",
	"ParentImage": "process.parent.executable", "ParentCommandLine": "process.parent.command_line",
	"OriginalFileName": "process.pe.original_file_name or file.pe.original_file_name",
	"TargetFilename":   "file.path", "Device": "file.path", "PipeName": "file.name", "ImageLoaded": "file.path",
	"Protocol": "network.transport", "DestinationPortName": "network.protocol", "SourcePortName": "network.protocol",
	"SourceIp": "source.ip", "SourceHostname": "source.domain", "SourcePort": "source.port",
	"DestinationIp": "destination.ip", "DestinationHostname": "destination.domain", "DestinationPort": "destination.port",
	"QueryName": "dns.question.name", "QueryStatus": "sysmon.dns.status", "QueryResults": "dns.answers",
	"Initiated": "network.direction", "SourceIsIpv6": "network.type", "DestinationIsIpv6": "",
	"User": "user.domain and user.name", "Archived": "sysmon.file.archived", "IsExecutable": "sysmon.file.is_executable",
	"TargetObject": "registry.path", "Type": "message", "TargetProcessGuid": "winlog.event_data.TargetProcessGUID",
}

// sysmonPipelineMovesOnly are the moves the pipeline makes for one event
// only: Type becomes message for event 25 (ProcessTampering); event 20's
// Type (the WMI consumer's) stays in winlog.event_data.
var sysmonPipelineMovesOnly = map[string]string{"Type": "25"}

// sysmonEvents are the Sysmon event ids a source's filter selects
// (event.code=N|M).
func sysmonEvents(src *mapping.Source) []string {
	for _, cond := range strings.Split(src.Attr("filter"), ";") {
		if codes, ok := strings.CutPrefix(cond, "event.code="); ok {
			return strings.Split(codes, "|")
		}
	}
	return nil
}

// movedFrom tells whether the pipeline moves a Sysmon EventData name out
// of winlog.event_data for one of the events, and where to.
func movedFrom(data string, events []string) (string, bool) {
	to, moved := sysmonPipelineMoves[data]
	if only, ok := sysmonPipelineMovesOnly[data]; ok {
		moved = moved && slices.Contains(events, only)
	}
	return to, moved
}

// TestSysmonFieldsWherePipelineLeavesThem: every field a Sysmon source of
// the ecs profile reads from winlog.event_data is one the Windows
// integration's pipeline leaves there for the source's events, and a
// refusal that says the pipeline moves Type is one of event 25's.
func TestSysmonFieldsWherePipelineLeavesThem(t *testing.T) {
	prof, err := (&Backend{}).Mapping("ecs")
	require.NoError(t, err)
	checked := 0
	for _, src := range prof.Sources {
		if !strings.Contains(src.Attr("index"), "sysmon_operational") {
			continue
		}
		events := sysmonEvents(src)
		for field, m := range src.Fields {
			if strings.Contains(m.Unsupported, "moves ProcessTampering's Type") {
				checked++
				_, moved := movedFrom(field, events)
				assert.True(t, moved, "%s: %s is refused with %q, but the pipeline moves Type for event 25 only", mapping.Describe(src.LogSource), field, m.Unsupported)
			}
			f, err := prof.Field(src, field)
			if err != nil {
				continue
			}
			for _, name := range f.Names {
				data, ok := strings.CutPrefix(name, "winlog.event_data.")
				if !ok {
					continue
				}
				checked++
				to, moved := movedFrom(data, events)
				assert.False(t, moved, "%s: %s reads %s, which the pipeline moves to %q", mapping.Describe(src.LogSource), field, name, to)
			}
		}
	}
	assert.Positive(t, checked)
}
