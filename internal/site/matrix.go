package site

import (
	"encoding/json"
	"slices"

	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/navigator"
	"github.com/detc/detc/internal/rule"
)

type matrixView struct {
	Columns []matrixColumn
	Covered []matrixCell
	Max     int
}

type matrixColumn struct {
	Tactic attack.Tactic
	Cells  []matrixCell
}

type matrixCell struct {
	ID, Name, URL string
	Score         int
	Class         string
	Detections    []*detectionView
	Subs          []matrixCell
}

// newMatrixView lays the Navigator layer out as the Enterprise matrix:
// every technique of each tactic, coloured by the layer's score, with the
// covered sub-techniques under their parent. Built from the layer itself,
// so the page and the layer cannot disagree.
func newMatrixView(views []*detectionView) (*matrixView, error) {
	rules := make([]*rule.Rule, len(views))
	byID := map[string]*detectionView{}
	for i, v := range views {
		rules[i] = v.Rule
		byID[v.Rule.ID] = v
	}
	data, err := navigator.Build(Name, rules, func(*rule.Rule) string { return "" })
	if err != nil {
		return nil, err
	}
	var layer navigator.Layer
	if err := json.Unmarshal(data, &layer); err != nil {
		return nil, err
	}
	mv := &matrixView{Max: layer.Gradient.MaxValue}
	layered := map[string]navigator.Technique{}
	for _, t := range layer.Techniques {
		layered[t.TechniqueID] = t
	}
	cell := func(tech attack.Technique) matrixCell {
		lt, ok := layered[tech.ID]
		c := matrixCell{ID: tech.ID, Name: tech.Name, URL: tech.URL, Score: lt.Score, Class: scoreClass(lt.Score, ok)}
		for _, m := range lt.Metadata {
			if v := byID[m.Name]; v != nil {
				c.Detections = append(c.Detections, v)
			}
		}
		return c
	}
	all := attack.Techniques()
	for _, tac := range attack.Tactics() {
		col := matrixColumn{Tactic: tac}
		for _, tech := range all {
			if tech.Parent() != "" || !slices.Contains(tech.Tactics, tac.ID) {
				continue
			}
			c := cell(tech)
			for _, sub := range all {
				if _, covered := layered[sub.ID]; covered && sub.Parent() == tech.ID && slices.Contains(sub.Tactics, tac.ID) {
					c.Subs = append(c.Subs, cell(sub))
				}
			}
			col.Cells = append(col.Cells, c)
		}
		mv.Columns = append(mv.Columns, col)
	}
	for _, t := range layer.Techniques {
		if tech, ok := attack.LookupTechnique(t.TechniqueID); ok {
			mv.Covered = append(mv.Covered, cell(tech))
		}
	}
	return mv, nil
}

// scoreClass picks the colour the layer's gradient and legend give: none,
// one detection, several; a parent listed only for its sub-techniques is
// marked as such.
func scoreClass(score int, layered bool) string {
	switch {
	case score > 1:
		return "s2"
	case score == 1:
		return "s1"
	case layered:
		return "sp"
	}
	return "s0"
}
