package asl

func (c *checker) choice(s *State, ptr string, ql QueryLanguage, b *Branch) {}
