// Package runbook writes the analyst runbook for a detection: the shared
// triage card and playbook of its ATT&CK technique, what this detection looks
// at, and its own query and the investigation pivots compiled for every
// target side by side.
package runbook

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/rule"
	"gopkg.in/yaml.v3"
)

// CardSuffix names the files that hold shared cards, so that loaders of
// detections can leave them alone.
const CardSuffix = ".card.yml"

// Card is the shared runbook text of one ATT&CK technique: the triage card
// and the incident playbook, written once for every detection of it.
type Card struct {
	Technique string   `yaml:"technique"`
	Triage    Triage   `yaml:"triage"`
	Playbook  Playbook `yaml:"playbook"`
	File      string   `yaml:"-"`
}

// Triage holds the triage card's sections.
type Triage struct {
	LogSources    []string `yaml:"log_sources"`
	KeyIndicators []string `yaml:"key_indicators"`
	Questions     []string `yaml:"questions"`
	Escalation    []string `yaml:"escalation"`
	L1Steps       []string `yaml:"l1_steps"`
	T2Actions     []string `yaml:"t2_actions"`
	Containment   []string `yaml:"containment"`
}

// Playbook holds the incident playbook's phases.
type Playbook struct {
	Preparation []string `yaml:"preparation"`
	Investigate struct {
		KeyQuestions []string `yaml:"key_questions"`
		Steps        []Step   `yaml:"steps"`
	} `yaml:"investigate"`
	Contain        []Action `yaml:"contain"`
	Eradicate      []Action `yaml:"eradicate"`
	Communicate    []string `yaml:"communicate"`
	Recover        []string `yaml:"recover"`
	LessonsLearned struct {
		Questions     []string `yaml:"questions"`
		Actions       []string `yaml:"actions"`
		ReportOutline []string `yaml:"report_outline"`
	} `yaml:"lessons_learned"`
}

// Step is an investigation step; Pivot names the pivot detection (by id or
// name) whose query answers it.
type Step struct {
	Text  string `yaml:"text"`
	Pivot string `yaml:"pivot"`
}

// Action is a remediation action.
type Action struct {
	Title     string `yaml:"title"`
	Procedure string `yaml:"procedure"`
	Automate  string `yaml:"automate"`
	Tools     string `yaml:"tools"`
}

// placeholderMarkers are the seed documents' unfinished-text markers; none
// may reach a runbook.
var placeholderMarkers = []string{"TODO", "TBD", "FIXME", "<Type of Incident>", "#TODO-url"}

// ParseCard reads a card and checks it: a known technique, and no
// placeholder text.
func ParseCard(file string, data []byte) (*Card, rule.Diagnostics) {
	var diags rule.Diagnostics
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		diags.Errorf(rule.Pos{File: file, Line: 1, Col: 1}, "card-syntax", "runbook card is not valid YAML: %v", err)
		return nil, diags
	}
	c := &Card{File: file}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		diags.Errorf(rule.Pos{File: file, Line: 1, Col: 1}, "card-syntax", "runbook card: %v", err)
		return nil, diags
	}
	if _, ok := attack.LookupTechnique(c.Technique); !ok {
		diags.Errorf(rule.Pos{File: file, Line: 1, Col: 1}, "card-technique", "runbook card names unknown ATT&CK technique %q", c.Technique)
	}
	checkPlaceholders(&node, file, &diags)
	return c, diags
}

func checkPlaceholders(n *yaml.Node, file string, diags *rule.Diagnostics) {
	if n.Kind == yaml.ScalarNode {
		for _, m := range placeholderMarkers {
			if strings.Contains(n.Value, m) {
				diags.Errorf(rule.Pos{File: file, Line: n.Line, Col: n.Column}, "card-placeholder", "runbook card text holds the placeholder %q; write the real step", m)
			}
		}
	}
	for _, c := range n.Content {
		checkPlaceholders(c, file, diags)
	}
}

// LoadCards reads every *.card.yml file under the given folders, keyed by
// technique id. Missing folders are skipped: a tree need not have cards.
func LoadCards(dirs ...string) (map[string]*Card, rule.Diagnostics) {
	var diags rule.Diagnostics
	cards := map[string]*Card{}
	var files []string
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, CardSuffix) {
				files = append(files, filepath.Clean(path))
			}
			return nil
		})
	}
	sort.Strings(files)
	for i, f := range files {
		if i > 0 && f == files[i-1] {
			continue // folders given twice (a path and its parent)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			diags.Errorf(rule.Pos{File: f}, "card-read", "%v", err)
			continue
		}
		c, d := ParseCard(f, data)
		diags = append(diags, d...)
		if c == nil {
			continue
		}
		if prev, ok := cards[c.Technique]; ok {
			diags.Errorf(rule.Pos{File: f, Line: 1, Col: 1}, "card-duplicate", "a second card for %s (the first is %s)", c.Technique, prev.File)
			continue
		}
		cards[c.Technique] = c
	}
	return cards, diags
}

// CardFor returns the card of the rule's most specific technique that has
// one: a sub-technique's card first, then its parent's.
func CardFor(r *rule.Rule, cards map[string]*Card) *Card {
	techs := append([]string(nil), r.Attack.Techniques...)
	sort.SliceStable(techs, func(i, j int) bool { return len(techs[i]) > len(techs[j]) })
	for _, t := range techs {
		if c, ok := cards[strings.ToUpper(t)]; ok {
			return c
		}
	}
	for _, t := range techs {
		if i := strings.IndexByte(t, '.'); i > 0 {
			if c, ok := cards[strings.ToUpper(t[:i])]; ok {
				return c
			}
		}
	}
	return nil
}

// PivotNames lists the pivots a card's steps call for, in step order.
func (c *Card) PivotNames() []string {
	var names []string
	for _, s := range c.Playbook.Investigate.Steps {
		if s.Pivot != "" {
			names = append(names, s.Pivot)
		}
	}
	return names
}

func (c *Card) String() string { return fmt.Sprintf("card %s (%s)", c.Technique, c.File) }
