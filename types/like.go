package types

func Like(s, pattern string, escape rune, caseInsensitive bool) (bool, error) { return false, nil }
func likeBytes(s, pattern string, escape byte) (bool, error)                  { return false, nil }
