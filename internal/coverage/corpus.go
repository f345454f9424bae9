package coverage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/textutil"
)

// SourceRow is one log source of a rule corpus: how many of its rules each
// column compiles.
type SourceRow struct {
	LogSource string
	Rules     int
	Compiled  []int // one per column
}

// Reason is one refusal text of one column with the log sources whose
// rules it refused, by count.
type Reason struct {
	Text    string
	Rules   int
	Sources map[string]int
}

// SourceTable is the coverage of a large rule corpus by log source: for
// every log source and column, the rules that compile, and for every
// column the reasons of the refusals.
type SourceTable struct {
	Columns []Column
	Total   int
	// Compiled counts, per column, the rules that compile.
	Compiled []int
	Sources  []SourceRow // most rules first
	Reasons  [][]Reason  // per column, most rules first
	// Collections are the real-schema profiles' shares of the rules
	// whose log source the SIEM collects, in column order.
	Collections []Collection
}

// BuildBySource compiles every rule for every profile of every backend
// and groups the outcome by log source.
func BuildBySource(rules []*check.Rule, backends []target.Backend) *SourceTable {
	t := &SourceTable{Columns: Columns(backends), Total: len(rules)}
	t.Compiled = make([]int, len(t.Columns))
	reasons := make([]map[string]*Reason, len(t.Columns))
	for i := range reasons {
		reasons[i] = map[string]*Reason{}
	}
	bySource := map[string]*SourceRow{}
	byName := map[string]target.Backend{}
	for _, b := range backends {
		byName[b.Name()] = b
	}
	profiles := make([]*mapping.Profile, len(t.Columns))
	colls := make([]*Collection, len(t.Columns))
	gaps := make([]map[string]*GapSource, len(t.Columns))
	for ci, c := range t.Columns {
		if profiles[ci] = realSchema(byName[c.Target], c.Profile); profiles[ci] != nil {
			colls[ci], gaps[ci] = &Collection{Column: c}, map[string]*GapSource{}
		}
	}
	for _, r := range rules {
		ls := logSource(r.LogSource)
		row := bySource[ls]
		if row == nil {
			row = &SourceRow{LogSource: ls, Compiled: make([]int, len(t.Columns))}
			bySource[ls] = row
		}
		row.Rules++
		for ci, c := range t.Columns {
			_, err := byName[c.Target].Compile(r, target.Options{Profile: c.Profile})
			if colls[ci] != nil {
				colls[ci].count(profiles[ci], r.LogSource, err == nil, gaps[ci])
			}
			if err == nil {
				row.Compiled[ci]++
				t.Compiled[ci]++
				continue
			}
			text := refusal(err)
			re := reasons[ci][text]
			if re == nil {
				re = &Reason{Text: text, Sources: map[string]int{}}
				reasons[ci][text] = re
			}
			re.Rules++
			re.Sources[ls]++
		}
	}
	for _, row := range bySource {
		t.Sources = append(t.Sources, *row)
	}
	sort.Slice(t.Sources, func(i, j int) bool {
		a, b := t.Sources[i], t.Sources[j]
		if a.Rules != b.Rules {
			return a.Rules > b.Rules
		}
		return a.LogSource < b.LogSource
	})
	for ci, c := range colls {
		if c == nil {
			continue
		}
		for _, g := range gaps[ci] {
			c.GapSources = append(c.GapSources, *g)
		}
		sort.Slice(c.GapSources, func(i, j int) bool {
			a, b := c.GapSources[i], c.GapSources[j]
			if a.Rules != b.Rules {
				return a.Rules > b.Rules
			}
			return a.LogSource < b.LogSource
		})
		t.Collections = append(t.Collections, *c)
	}
	for ci := range t.Columns {
		var list []Reason
		for _, re := range reasons[ci] {
			list = append(list, *re)
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].Rules != list[j].Rules {
				return list[i].Rules > list[j].Rules
			}
			return list[i].Text < list[j].Text
		})
		t.Reasons = append(t.Reasons, list)
	}
	return t
}

// Markdown renders the table as a coverage document titled title.
func (t *SourceTable) Markdown(title, intro string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n", title, intro)
	b.WriteString("## Rules that compile, by log source\n\n")
	b.WriteString("| Log source | Rules |")
	for _, c := range t.Columns {
		b.WriteString(" " + c.String() + " |")
	}
	b.WriteString("\n| --- | ---: |")
	for range t.Columns {
		b.WriteString(" ---: |")
	}
	fmt.Fprintf(&b, "\n| **all** | **%d** |", t.Total)
	for _, n := range t.Compiled {
		fmt.Fprintf(&b, " **%d** |", n)
	}
	b.WriteString("\n")
	for _, row := range t.Sources {
		fmt.Fprintf(&b, "| %s | %d |", escape(row.LogSource), row.Rules)
		for _, n := range row.Compiled {
			fmt.Fprintf(&b, " %d |", n)
		}
		b.WriteString("\n")
	}
	t.writeCollections(&b)
	b.WriteString("\n## Why rules are refused\n\n")
	b.WriteString("For each target and profile, every reason it gave, with the number of rules and their log sources.\n")
	for ci, c := range t.Columns {
		fmt.Fprintf(&b, "\n### %s\n\n", c)
		if len(t.Reasons[ci]) == 0 {
			b.WriteString("Every rule compiles.\n")
			continue
		}
		for _, re := range t.Reasons[ci] {
			fmt.Fprintf(&b, "- %d: %s (%s)\n", re.Rules, escape(re.Text), sourceList(re.Sources))
		}
	}
	return []byte(b.String())
}

// sourceList writes log sources with their counts, most first.
func sourceList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, "; ")
}

// writeCollections renders, per real-schema profile, the share of the
// rules whose log source the SIEM collects that compile, and the
// collected sources the profile does not map.
func (t *SourceTable) writeCollections(b *strings.Builder) {
	if len(t.Collections) == 0 {
		return
	}
	b.WriteString("\n## Rules whose log source the SIEM collects\n\n")
	b.WriteString("A SIEM collects a log source when the profile maps it (docs/profiles.md) or when the SIEM's vendor ships a connector, add-on or integration that collects it (named in the lists below the table): a rule on such a source that the profile does not map is a gap of the profile and counts against it. Rules on sources the SIEM is not known to collect are left out of these figures.\n\n")
	b.WriteString("| Profile | Rules on mapped sources | of them compile | Rules on collected sources the profile does not map | Collected rules | of them compile |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, c := range t.Collections {
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d (%.1f%%) |\n", c.Column, c.Mapped, c.MappedCompiled, c.Gap, c.Collected(), c.MappedCompiled, c.Percent())
	}
	for _, c := range t.Collections {
		if len(c.GapSources) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n%s collects but does not map: ", c.Column)
		parts := make([]string, len(c.GapSources))
		for i, g := range c.GapSources {
			parts[i] = fmt.Sprintf("%s (%s; %s)", escape(g.LogSource), textutil.Plural(g.Rules, "rule"), escape(g.Via))
		}
		b.WriteString(strings.Join(parts, ", ") + ".\n")
	}
}
