package lucenere

import "testing"

func TestScratch(t *testing.T) {
	for _, re := range []string{`.*[Ww][Ee][Rr][Ff][Aa][Uu][Ll][Tt][Ssſ][Ee][Cc][Uu][Rr][Ee]\.[Ee][Xx][Ee].*`,
		`.*\\[Rr][Uu][Nn][Dd][Ll][Ll]32\.[Ee][Xx][Ee]([\"\'])?[\t\n\f\r\ ]+[^\n]{0,8}\,.*`} {
		nd, _ := parseLucene(re)
		s, w, o := measure(nd)
		t.Log(re, nd.size, s, w, o)
	}
}
