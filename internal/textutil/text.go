// Package textutil holds the small text helpers several writers share:
// counted nouns, lengths as Java and JavaScript count them, ASCII classes.
package textutil

import (
	"strconv"
	"unicode/utf16"
)

// Plural writes a count with its noun: "1 rule", "3 rules".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// UTF16Len is a string's length in UTF-16 code units, the length Java
// (Elasticsearch) and JavaScript (Azure's ARM templates) give it.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// IsASCIIAlnum reports whether b is an ASCII letter or digit.
func IsASCIIAlnum(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}
