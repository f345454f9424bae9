package kql

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/detc/detc/internal/textutil"
)

// Quote writes s as a KQL string literal that the parser reads back as
// exactly s. Text without characters that need an escape is written
// verbatim (@"...", where only " is doubled) when it holds a backslash, so
// Windows paths and regular expressions stay readable; otherwise it is a
// regular literal with backslash escapes. Line breaks, control characters
// and every character outside ASCII are always escaped, as \n, \r, \t or
// \uXXXX (UTF-16 units): a YAML block or a reviewer's screen would mangle
// the invisible ones, and the Azure-Sentinel repository accepts only ASCII
// rule files (windash writes en and em dashes). s must be valid UTF-8 (see
// checkText).
func Quote(s string) string {
	needsEscape := false
	for _, r := range s {
		if mustEscape(r) {
			needsEscape = true
			break
		}
	}
	if !needsEscape && strings.ContainsRune(s, '\\') {
		return `@"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if !mustEscape(r) {
				b.WriteRune(r)
				continue
			}
			textutil.WriteUTF16Escape(&b, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// mustEscape reports whether r cannot appear raw in a literal: it is not
// printable ASCII.
func mustEscape(r rune) bool {
	return r < 0x20 || r > 0x7E
}

// checkText rejects text KQL cannot hold: KQL strings are Unicode, so bytes
// that are not UTF-8 (as the wide/utf16 modifiers make) have no literal.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("the value %q is not UTF-8 text (the wide/utf16 modifiers make raw bytes); KQL strings hold Unicode text only", s)
	}
	return nil
}

var plainIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Ident writes a column name: bare when it is a plain identifier that is
// not a KQL keyword, otherwise bracketed (['cs-host']).
func Ident(name string) string {
	if plainIdent.MatchString(name) && !keywords[name] {
		return name
	}
	if !strings.ContainsAny(name, `'\`) && utf8.ValidString(name) && !strings.ContainsFunc(name, mustEscape) {
		return "['" + name + "']"
	}
	return "[" + Quote(name) + "]"
}

// keywords are the KQL keywords (from Kusto.Language's SyntaxFacts) and the
// literals true, false and null; a column with one of these names is
// written bracketed, which is always valid.
var keywords = func() map[string]bool {
	m := map[string]bool{"true": true, "false": true, "not": true}
	for _, w := range strings.Fields(keywordList) {
		m[w] = true
	}
	return m
}()

const keywordList = `__contextual_datatable __crossCluster __crossDB __executeAndCache __id __isFuzzy
__noWithSource __packedColumn __partitionby __projectAway __sourceColumnIndex access accumulate alias
and anomalychart areachart as asc bagexpansion barchart best_effort between bin bin_legacy bool boolean
by byte cachingpolicy callout cancel card char columnchart consume contains contains_cs containscs count
cycles database dataexport dataformat datascope datatable date datetime datetime_pattern decimal declare
decodeblocks default desc distinct double dynamic earliest edges encodingpolicy endswith endswith_cs
entity_group evaluate expandoutput extend extent_tags_retention external_data externaldata facet filter
find first flags float force_remote fork from getschema graph guid harddelete hardretention has has_all
has_any has_cs hasprefix hasprefix_cs hassuffix hassuffix_cs hotcache id in inline_external_table int
int16 int32 int64 int8 invoke isfuzzy join journal kind ladderchart last latest let like likecs limit
linechart long lookup materialize mdm missing mvapply mvexpand nodes nooptimization notcontains
notcontainscs notlike notlikecs null nulls of on optional or order others output pack parse partition
pathformat pattern piechart pivotchart plotly print project queries query_parameters query_results range
real reduce regex relaxed render restrict restricted_view_access row_level_security rowstore
rowstore_references rowstore_sealinfo rowstorepolicy rowstores sample scan scatterchart seal seals
search serialize set shards simple softdelete softretention sort sql stackedareachart startswith
startswith_cs statistics step storedqueryresultcontainers string summarize tablepurge take time timechart
timeline timepivot timespan title to top toscalar totable treemap typeof uint uint16 uint32 uint64 uint8
ulong union uniqueid unrestrictedviewers uuid verbose view viewers views where with with_itemindex
with_match_id with_node_id with_source with_step_name withsource writeaheadlog`

// Number writes a rule's number as a KQL literal: an integer as a long, any
// other value as a real. Values that are not finite are refused.
func Number(f float64) (string, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("%v is not a finite number", f)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10), nil
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.ContainsAny(s, "e") {
		// Exponent notation is written inside real(), which reads it.
		return "real(" + s + ")", nil
	}
	return s, nil
}

// Timespan writes a duration as a KQL timespan literal (5m, 1h, 7d,
// 90s, 250ms), using the largest unit that divides it.
func Timespan(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}
	for _, u := range units {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d/time.Microsecond), 10) + "microseconds"
}
