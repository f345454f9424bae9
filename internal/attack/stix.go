package attack

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// stixObject holds the fields of a STIX 2.1 object that ATT&CK data uses.
type stixObject struct {
	Type               string   `json:"type"`
	Name               string   `json:"name"`
	ShortName          string   `json:"x_mitre_shortname"`
	Version            string   `json:"x_mitre_version"`
	Platforms          []string `json:"x_mitre_platforms"`
	Revoked            bool     `json:"revoked"`
	Deprecated         bool     `json:"x_mitre_deprecated"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
		URL        string `json:"url"`
	} `json:"external_references"`
	KillChainPhases []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
}

// mitreRef returns the object's ATT&CK id and page.
func (o *stixObject) mitreRef() (id, url string) {
	for _, r := range o.ExternalReferences {
		if r.SourceName == "mitre-attack" {
			return r.ExternalID, r.URL
		}
	}
	return "", ""
}

// LoadSTIX reads an ATT&CK Enterprise release in MITRE's STIX 2.1 format
// (enterprise-attack.json from the mitre-attack/attack-stix-data
// repository): its tactics (x-mitre-tactic), techniques and sub-techniques
// (attack-pattern; revoked and deprecated ones left out, as in the bundled
// data) and its version (the x-mitre-collection object). name names the
// input in errors.
func LoadSTIX(name string, r io.Reader) (*Data, error) {
	var bundle struct {
		Type    string       `json:"type"`
		Objects []stixObject `json:"objects"`
	}
	if err := json.NewDecoder(r).Decode(&bundle); err != nil {
		return nil, fmt.Errorf("%s: not a STIX bundle: %w", name, err)
	}
	if bundle.Type != "bundle" {
		return nil, fmt.Errorf("%s: not a STIX bundle (type %q)", name, bundle.Type)
	}
	version := ""
	var patterns []*stixObject
	tactics := map[string]Tactic{} // by short name
	for i := range bundle.Objects {
		o := &bundle.Objects[i]
		switch o.Type {
		case "x-mitre-collection":
			version = o.Version
		case "x-mitre-tactic":
			if id, _ := o.mitreRef(); id != "" && !o.Revoked && !o.Deprecated {
				tactics[o.ShortName] = Tactic{ID: id, ShortName: o.ShortName, Name: o.Name}
			}
		case "attack-pattern":
			if !o.Revoked && !o.Deprecated {
				patterns = append(patterns, o)
			}
		}
	}
	if version == "" {
		return nil, fmt.Errorf("%s: no x-mitre-collection object names the ATT&CK version", name)
	}
	if len(tactics) == 0 || len(patterns) == 0 {
		return nil, fmt.Errorf("%s: ATT&CK %s has %d tactics and %d techniques; want an Enterprise release", name, version, len(tactics), len(patterns))
	}
	d := newData(strings.TrimSuffix(version, ".0"))
	for _, tac := range tactics {
		d.addTactic(tac)
	}
	for _, o := range patterns {
		id, url := o.mitreRef()
		if !WellFormed(id) {
			continue
		}
		tech := Technique{ID: strings.ToUpper(id), Name: o.Name, Platforms: o.Platforms, URL: url}
		for _, p := range o.KillChainPhases {
			if tac, ok := tactics[p.PhaseName]; ok && p.KillChainName == "mitre-attack" && !contains(tech.Tactics, tac.ID) {
				tech.Tactics = append(tech.Tactics, tac.ID)
			}
		}
		sort.Strings(tech.Tactics)
		d.techniques[tech.ID] = tech
	}
	return d, nil
}
