package site

import (
	"sort"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
)

var levels = []string{"informational", "low", "medium", "high", "critical"}

func levelRank(level string) int {
	for i, l := range levels {
		if l == level {
			return i
		}
	}
	return -1
}

type indexView struct {
	Detections []*detectionView
	Levels     []string
	LogSources []string
	Tactics    []attackLink
	Targets    []targetStatus
}

func newIndexView(views []*detectionView, backends []target.Backend) indexView {
	// The index starts sorted by title, as its header says.
	sorted := append([]*detectionView(nil), views...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Rule.Title < sorted[j].Rule.Title })
	iv := indexView{Detections: sorted}
	levelSeen, sourceSeen, tacticSeen := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, v := range views {
		if !levelSeen[v.Rule.Level] {
			levelSeen[v.Rule.Level] = true
			iv.Levels = append(iv.Levels, v.Rule.Level)
		}
		if !sourceSeen[v.LogSource] {
			sourceSeen[v.LogSource] = true
			iv.LogSources = append(iv.LogSources, v.LogSource)
		}
		for _, t := range v.Tactics {
			if !tacticSeen[t.ID] {
				tacticSeen[t.ID] = true
				iv.Tactics = append(iv.Tactics, t)
			}
		}
	}
	sort.Slice(iv.Levels, func(i, j int) bool { return levelRank(iv.Levels[i]) < levelRank(iv.Levels[j]) })
	sort.Strings(iv.LogSources)
	sort.Slice(iv.Tactics, func(i, j int) bool { return iv.Tactics[i].ID < iv.Tactics[j].ID })
	for _, b := range backends {
		iv.Targets = append(iv.Targets, targetStatus{Name: b.Name(), Title: targetTitle(b)})
	}
	return iv
}

// targetTitle names where a target's default profile runs, as analysts
// know it ("Microsoft Sentinel (ASIM)").
func targetTitle(b target.Backend) string { return registry.Products(b)[0].Title }

// productTitle names where the query of one profile runs, or the target
// when the registry names no product for the profile (the profile is
// shown beside it).
func productTitle(b target.Backend, profile string) string {
	for _, p := range registry.Products(b) {
		if p.Profile == profile {
			return p.Title
		}
	}
	return b.Name()
}
