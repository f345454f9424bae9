// Package navigator writes an ATT&CK Navigator layer (layer format 4.5) of
// the techniques a set of detections covers, with links to their runbooks.
package navigator

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/rule"
)

// Layer is the subset of the layer format detc writes.
type Layer struct {
	Name         string      `json:"name"`
	Versions     Versions    `json:"versions"`
	Domain       string      `json:"domain"`
	Description  string      `json:"description"`
	Sorting      int         `json:"sorting"`
	Layout       Layout      `json:"layout"`
	HideDisabled bool        `json:"hideDisabled"`
	Techniques   []Technique `json:"techniques"`
	Gradient     Gradient    `json:"gradient"`
	LegendItems  []Legend    `json:"legendItems"`
}

// Versions pins the formats the layer follows.
type Versions struct {
	Attack    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// Layout shows ids and expands annotated sub-techniques.
type Layout struct {
	Layout                string `json:"layout"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

// Technique annotates one technique.
type Technique struct {
	TechniqueID       string     `json:"techniqueID"`
	Score             int        `json:"score"`
	Comment           string     `json:"comment"`
	Enabled           bool       `json:"enabled"`
	Metadata          []Metadata `json:"metadata,omitempty"`
	Links             []Link     `json:"links,omitempty"`
	ShowSubtechniques bool       `json:"showSubtechniques"`
}

// Metadata is a name/value note on a technique.
type Metadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Link points at a runbook.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Gradient colours techniques by the number of detections.
type Gradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// Legend explains the colours.
type Legend struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// Build makes the layer: each technique's score is the number of detections
// covering it; each detection adds metadata and a link to its runbook
// (runbookURL gives the link; the layer format requires a scheme such as
// https:// or file:). A sub-technique's parent is listed too, so the
// Navigator shows it expanded. Pivots are not detections and are left out.
func Build(name string, rules []*rule.Rule, runbookURL func(*rule.Rule) string) ([]byte, error) {
	byTech := map[string][]*rule.Rule{}
	for _, r := range rules {
		if r.IsPivot() {
			continue
		}
		for _, id := range r.Attack.Techniques {
			if tech, ok := attack.LookupTechnique(id); ok {
				byTech[tech.ID] = append(byTech[tech.ID], r)
				if p := tech.Parent(); p != "" {
					if _, ok := byTech[p]; !ok {
						byTech[p] = nil
					}
				}
			}
		}
	}
	ids := make([]string, 0, len(byTech))
	for id := range byTech {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	max := 1
	layer := Layer{
		Name:        name,
		Versions:    Versions{Attack: strings.SplitN(attack.Version(), ".", 2)[0], Navigator: "5.2.0", Layer: "4.5"},
		Domain:      "enterprise-attack",
		Description: "Techniques covered by detc detections; the score is the number of detections.",
		Layout:      Layout{Layout: "side", ShowID: true, ShowName: true, ExpandedSubtechniques: "annotated"},
		Techniques:  []Technique{},
		LegendItems: []Legend{{Label: "covered by one detection", Color: "#a1d99b"}, {Label: "covered by several detections", Color: "#31a354"}},
	}
	for _, id := range ids {
		rs := byTech[id]
		sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
		t := Technique{TechniqueID: id, Score: len(rs), Enabled: true}
		if len(rs) == 0 {
			t.ShowSubtechniques = true
			t.Comment = "Parent of covered sub-techniques."
			layer.Techniques = append(layer.Techniques, t)
			continue
		}
		var titles []string
		for _, r := range rs {
			titles = append(titles, r.Title)
			t.Metadata = append(t.Metadata, Metadata{Name: r.ID, Value: r.Title + " (" + r.Level + ")"})
			t.Links = append(t.Links, Link{Label: "Runbook: " + r.Title, URL: runbookURL(r)})
		}
		t.Comment = strings.Join(titles, "; ")
		if len(rs) > max {
			max = len(rs)
		}
		layer.Techniques = append(layer.Techniques, t)
	}
	layer.Gradient = Gradient{Colors: []string{"#ffffff", "#a1d99b", "#31a354"}, MinValue: 0, MaxValue: max}
	out, err := json.MarshalIndent(layer, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
