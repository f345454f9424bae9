// Package attack holds MITRE ATT&CK Enterprise: tactics and techniques with
// their names, so that lint can check ids and runbooks and deployment files
// can name them. The bundled data is v18.1's techniques with v19's tactics
// (v19 renamed Defense Evasion, TA0005, to Stealth and split Defense
// Impairment, TA0112, from it); Use replaces it with a newer release read
// from MITRE's STIX 2.1 bundle (LoadSTIX).
package attack

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// BundledVersion is the ATT&CK release of the bundled techniques.
const BundledVersion = "18.1"

//go:embed data/attack-enterprise-tactics.csv
var tacticsCSV []byte

//go:embed data/attack-enterprise-techniques.csv
var techniquesCSV []byte

// Tactic is an ATT&CK tactic such as TA0010 Exfiltration.
type Tactic struct {
	ID        string // TA0010
	ShortName string // exfiltration
	Name      string // Exfiltration
}

// URL is the tactic's page on attack.mitre.org.
func (t Tactic) URL() string { return "https://attack.mitre.org/tactics/" + t.ID + "/" }

// Technique is an ATT&CK technique or sub-technique.
type Technique struct {
	ID        string   // T1567.004
	Name      string   // Exfiltration Over Webhook
	Tactics   []string // TA0010
	Platforms []string
	URL       string
}

// Parent returns the parent technique id of a sub-technique ("" otherwise).
func (t Technique) Parent() string {
	if i := strings.IndexByte(t.ID, '.'); i > 0 {
		return t.ID[:i]
	}
	return ""
}

// Data is one ATT&CK release: its version and its tactics and techniques.
type Data struct {
	version     string
	tactics     map[string]Tactic
	byShortName map[string]Tactic
	techniques  map[string]Technique
}

func newData(version string) *Data {
	return &Data{version: version, tactics: map[string]Tactic{}, byShortName: map[string]Tactic{}, techniques: map[string]Technique{}}
}

func (d *Data) addTactic(tac Tactic) {
	d.tactics[tac.ID] = tac
	d.byShortName[tac.ShortName] = tac
}

// bundled reads the embedded CSV files. Their tactics are v19's, their
// techniques v18.1's: a technique of v18.1's Defense Evasion (TA0005) is
// listed under both of v19's successors, Stealth (TA0005) and Defense
// Impairment (TA0112), since which one v19 gave it is not in the v18.1
// data. defense-evasion stays a name of TA0005, for rules written for
// earlier releases.
var bundled = sync.OnceValue(func() *Data {
	d := newData(BundledVersion)
	for _, row := range readCSV(tacticsCSV) {
		d.addTactic(Tactic{ID: row[0], ShortName: row[1], Name: row[2]})
	}
	d.byShortName["defense-evasion"] = d.tactics["TA0005"]
	for _, row := range readCSV(techniquesCSV) {
		tactics := split(row[2])
		if contains(tactics, "TA0005") && !contains(tactics, "TA0112") {
			tactics = append(tactics, "TA0112")
		}
		d.techniques[row[0]] = Technique{
			ID: row[0], Name: row[1],
			Tactics: tactics, Platforms: split(row[4]), URL: row[5],
		}
	}
	return d
})

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// active is the release Use chose; nil means the bundled one.
var active atomic.Pointer[Data]

func load() *Data {
	if d := active.Load(); d != nil {
		return d
	}
	return bundled()
}

// Use makes d the release every lookup reads (nil: the bundled one).
func Use(d *Data) { active.Store(d) }

// Version is the ATT&CK release lookups read, as messages name it ("18.1").
func Version() string { return load().version }

var techniqueID = regexp.MustCompile(`^[Tt]\d{4}(\.\d{3})?$`)

// WellFormed reports whether id has the form of a technique id (T1234 or
// T1234.001), whether or not the release knows it.
func WellFormed(id string) bool { return techniqueID.MatchString(id) }

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// readCSV parses embedded data; the data is part of the binary, so a parse
// failure is a build defect and the tests catch it.
func readCSV(data []byte) [][]string {
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		panic("attack: embedded CSV is malformed: " + err.Error())
	}
	return rows[1:]
}

// LookupTactic finds a tactic by id (TA0010) or short name (exfiltration),
// case-insensitively.
func LookupTactic(idOrName string) (Tactic, bool) {
	t := load()
	if tac, ok := t.tactics[strings.ToUpper(idOrName)]; ok {
		return tac, true
	}
	tac, ok := t.byShortName[strings.ToLower(strings.ReplaceAll(idOrName, "_", "-"))]
	return tac, ok
}

// LookupTechnique finds a technique by id (T1567.004), case-insensitively.
func LookupTechnique(id string) (Technique, bool) {
	tech, ok := load().techniques[strings.ToUpper(id)]
	return tech, ok
}

// matrixOrder is the order of the Enterprise matrix's columns, as
// attack.mitre.org and the Navigator show them (the CSV is by id).
var matrixOrder = []string{"TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005", "TA0112",
	"TA0006", "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040"}

// Tactics lists every tactic in the order of the matrix's columns.
func Tactics() []Tactic {
	t := load()
	out := make([]Tactic, 0, len(matrixOrder))
	for _, id := range matrixOrder {
		if tac, ok := t.tactics[id]; ok { // a loaded release may lack one
			out = append(out, tac)
		}
	}
	return out
}

// Techniques lists every technique and sub-technique, sorted by id.
func Techniques() []Technique {
	t := load()
	out := make([]Technique, 0, len(t.techniques))
	for _, tech := range t.techniques {
		out = append(out, tech)
	}
	slices.SortFunc(out, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) })
	return out
}
