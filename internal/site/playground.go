package site

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/detc/detc/backends/target"
)

// playgroundLink opens text in the playground: its state goes in the
// fragment as base64url JSON, as playground.js writes it.
func playgroundLink(file, text string) string {
	format := "sigma"
	if strings.HasSuffix(strings.ToLower(file), ".hcl") {
		format = "hcl"
	}
	state, _ := json.Marshal(map[string]string{"f": format, "r": text})
	return "playground.html#s=" + base64.RawURLEncoding.EncodeToString(state)
}

type playgroundView struct {
	Targets         []playgroundTarget
	Example, Events string
}

type playgroundTarget struct {
	Name, Title, Profiles, Langs string
}

// playground is the playground page and its script; they need detc serve,
// which answers their api/compile requests.
func playground(backends []target.Backend, nav Nav) ([]target.Artifact, error) {
	v := playgroundView{Example: exampleRule, Events: exampleEvents}
	for _, b := range backends {
		v.Targets = append(v.Targets, playgroundTarget{Name: b.Name(), Title: targetTitle(b),
			Profiles: strings.Join(b.Profiles(), " "), Langs: strings.Join(b.Langs(), " ")})
	}
	page, err := Render("playground.html", Page{Title: "Playground · " + Name, Current: "playground", Nav: nav, Body: v})
	if err != nil {
		return nil, err
	}
	script, err := staticFS.ReadFile("static/playground.js")
	if err != nil {
		return nil, err
	}
	return []target.Artifact{{Path: "playground.html", Data: page}, {Path: "playground.js", Data: script}}, nil
}
