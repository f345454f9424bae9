// Package attack holds MITRE ATT&CK Enterprise v18.1: tactics and
// techniques with their names, so that lint can check ids and runbooks and
// deployment files can name them.
package attack

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"slices"
	"strings"
	"sync"
)

// Version is the ATT&CK release the data comes from.
const Version = "18.1"

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

type tables struct {
	tactics     map[string]Tactic
	byShortName map[string]Tactic
	techniques  map[string]Technique
}

var load = sync.OnceValue(func() *tables {
	t := &tables{tactics: map[string]Tactic{}, byShortName: map[string]Tactic{}, techniques: map[string]Technique{}}
	for _, row := range readCSV(tacticsCSV) {
		tac := Tactic{ID: row[0], ShortName: row[1], Name: row[2]}
		t.tactics[tac.ID] = tac
		t.byShortName[tac.ShortName] = tac
	}
	for _, row := range readCSV(techniquesCSV) {
		t.techniques[row[0]] = Technique{
			ID: row[0], Name: row[1],
			Tactics: split(row[2]), Platforms: split(row[4]), URL: row[5],
		}
	}
	return t
})

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
var matrixOrder = []string{"TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005",
	"TA0006", "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040"}

// Tactics lists every tactic in the order of the matrix's columns.
func Tactics() []Tactic {
	t := load()
	out := make([]Tactic, 0, len(matrixOrder))
	for _, id := range matrixOrder {
		out = append(out, t.tactics[id])
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
