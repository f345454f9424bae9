// Package splunkschema holds the published schemas the Splunk cim
// profile's queries are checked against, and the one check: the CIM data
// models' datasets (cim.txt), the field names the Splunk add-ons extract
// for the sources outside the data models (addons.txt), and Sysmon's
// events (internal/testutil/schema). Sources are named in the data files.
// The Splunk backend's corpus test and the SigmaHQ coverage document both
// use it, so the figure the document prints is the test's.
package splunkschema

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/testutil/corpus"
	"github.com/detc/detc/internal/testutil/schema"
)

//go:embed cim.txt
var cimTxt string

//go:embed addons.txt
var addonsTxt string

// Schemas is the published schema data a cim query is checked against.
type Schemas struct {
	// CIM is each data model dataset's fields, by "Model.Dataset".
	CIM map[string]map[string]bool
	// Addon is the names a published source shows the add-on extracts,
	// by source (XmlWinEventLog for the System fields of every channel,
	// XmlWinEventLog:<channel>, sourcetype=<sourcetype>); Unverified the
	// names the profile reads that no published source shows.
	Addon, Unverified map[string]map[string]bool
	// Sysmon is each Sysmon event's fields, by event id.
	Sysmon map[int]map[string]bool
}

// Load reads the embedded data files.
func Load() (*Schemas, error) {
	s := &Schemas{CIM: map[string]map[string]bool{}, Addon: map[string]map[string]bool{}, Unverified: map[string]map[string]bool{}, Sysmon: schema.Sysmon()}
	for i, line := range strings.Split(cimTxt, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		if len(parts) < 3 {
			return nil, fmt.Errorf("cim.txt:%d: want Model Dataset field ...", i+1)
		}
		s.CIM[parts[0]+"."+parts[1]] = set(parts[2:])
	}
	for i, line := range strings.Split(addonsTxt, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " | ")
		if len(parts) != 3 {
			return nil, fmt.Errorf("addons.txt:%d: want source | event | names", i+1)
		}
		into := s.Addon
		if parts[1] == "unverified" {
			into = s.Unverified
		}
		if into[parts[0]] == nil {
			into[parts[0]] = map[string]bool{}
		}
		for f := range set(strings.Fields(parts[2])) {
			into[parts[0]][f] = true
		}
	}
	return s, nil
}

func set(names []string) map[string]bool {
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

var (
	sysmonSource = regexp.MustCompile(`source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"`)
	eventCode    = regexp.MustCompile(`EventCode=(\d+)`)
	xmlChannel   = regexp.MustCompile(`source="(XmlWinEventLog:[^"]+)"`)
	sourcetype   = regexp.MustCompile(`sourcetype="([^"]+)"`)
)

// AddonSources names the add-on sources a search prefix selects (the keys
// of addons.txt): each XmlWinEventLog channel and each sourcetype.
func AddonSources(prefix string) []string {
	var out []string
	for _, m := range xmlChannel.FindAllStringSubmatch(prefix, -1) {
		out = append(out, m[1])
	}
	for _, m := range sourcetype.FindAllStringSubmatch(prefix, -1) {
		out = append(out, "sourcetype="+m[1])
	}
	return out
}

// Check says why a field name a query reads does not exist in the
// source's published schema ("" when it does), and whether the name is
// only accepted unverified (no published source shows it):
//   - a CIM data model source: the dataset's fields, written Dataset.field;
//   - Sysmon events through the Splunk Add-on for Sysmon: the fields of the
//     events the search selects (every event without an EventCode term),
//     and the System fields the Windows add-on extracts;
//   - other add-on sources (XmlWinEventLog channels, sourcetypes): the
//     names addons.txt lists for every source the search selects (for a
//     channel, with the System fields).
//
// A source with no schema data is an error, so no query goes unchecked.
func (s *Schemas) Check(src *mapping.Source, name string) (why string, unverified bool) {
	prefix := src.Attr("search_prefix")
	switch {
	case src.Attr("datamodel") != "":
		model, ds := src.Attr("datamodel"), src.Attr("dataset")
		fields := s.CIM[model+"."+ds]
		if fields == nil {
			return "no CIM dataset " + model + "." + ds, false
		}
		if field, ok := strings.CutPrefix(name, ds+"."); !ok || !fields[field] {
			return "not a field of the CIM dataset " + model + "." + ds, false
		}
		return "", false
	case sysmonSource.MatchString(prefix):
		if s.Addon["XmlWinEventLog"][name] {
			return "", false
		}
		ids := eventCode.FindAllStringSubmatch(prefix, -1)
		for id, fields := range s.Sysmon {
			selected := len(ids) == 0
			for _, m := range ids {
				selected = selected || m[1] == strconv.Itoa(id)
			}
			if selected && fields[name] {
				return "", false
			}
		}
		return "no Sysmon event the search selects has this field", false
	}
	keys := AddonSources(prefix)
	if len(keys) == 0 {
		return "the search selects no source with schema data", false
	}
	for _, k := range keys {
		if s.Addon[k] == nil && s.Unverified[k] == nil {
			return "no schema data for " + k + " (internal/testutil/splunkschema/addons.txt)", false
		}
		switch {
		case s.Addon[k][name], strings.HasPrefix(k, "XmlWinEventLog:") && s.Addon["XmlWinEventLog"][name]:
		case s.Unverified[k][name]:
			unverified = true
		default:
			return k + " has no field of this name (internal/testutil/splunkschema/addons.txt)", false
		}
	}
	return "", unverified
}

// Result is the check of every query a corpus compiles into with the cim
// profile.
type Result struct {
	Rules, Compiled int
	// Bad counts the rules by "log source field -> name: why" for each
	// name the schema lacks.
	Bad map[string]int
	// Unverified counts the rules by "log source field -> name" for each
	// name only an "unverified" line of addons.txt accepts: no published
	// source shows it, so a compiled rule must not read it.
	Unverified map[string]int
}

// CheckCorpus compiles every checked rule with the cim profile and checks
// each field its query reads.
func CheckCorpus(rules []*check.Rule) (*Result, error) {
	s, err := Load()
	if err != nil {
		return nil, err
	}
	b := splunk.New()
	prof, err := b.(*splunk.Backend).Mapping("cim")
	if err != nil {
		return nil, err
	}
	res := &Result{Rules: len(rules), Bad: map[string]int{}, Unverified: map[string]int{}}
	for _, r := range rules {
		q, err := b.Compile(r, target.Options{Profile: "cim"})
		if err != nil {
			continue
		}
		res.Compiled++
		for _, f := range corpus.Fields(r.Rule) {
			m, err := prof.Field(q.Source, f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.File, err)
			}
			for _, name := range m.Names {
				why, unv := s.Check(q.Source, name)
				if why != "" {
					res.Bad[mapping.Describe(r.LogSource)+" "+f+" -> "+name+": "+why]++
				}
				if unv {
					res.Unverified[mapping.Describe(r.LogSource)+" "+f+" -> "+name]++
				}
			}
		}
	}
	return res, nil
}
