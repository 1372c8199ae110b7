// Unit tests of the .nn lexer: token kinds, values, positions and errors.
#include "frontend/nn/Lexer.h"

#include <gtest/gtest.h>
#include <vector>

using namespace nnc::nnlang;

namespace {
std::vector<Token> lexAll(llvm::StringRef src) {
  Lexer lexer(src, "t.nn");
  std::vector<Token> toks;
  for (;;) {
    toks.push_back(lexer.next());
    if (toks.back().kind == Tok::Eof || toks.back().kind == Tok::Error)
      return toks;
  }
}

std::vector<Tok> kinds(llvm::StringRef src) {
  std::vector<Tok> out;
  for (const Token &t : lexAll(src))
    out.push_back(t.kind);
  return out;
}

std::string lexError(llvm::StringRef src, unsigned *line = nullptr,
                     unsigned *col = nullptr) {
  Lexer lexer(src, "t.nn");
  for (;;) {
    Token t = lexer.next();
    if (t.kind == Tok::Eof)
      return "";
    if (t.kind == Tok::Error) {
      if (line)
        *line = t.loc.line;
      if (col)
        *col = t.loc.col;
      return lexer.error();
    }
  }
}
} // namespace

TEST(Lexer, KeywordsAndIdentifiers) {
  EXPECT_EQ(kinds("model input param state output train with fn return true "
                  "false foo"),
            (std::vector<Tok>{Tok::KwModel, Tok::KwInput, Tok::KwParam,
                              Tok::KwState, Tok::KwOutput, Tok::KwTrain,
                              Tok::KwWith, Tok::KwFn, Tok::KwReturn,
                              Tok::KwTrue, Tok::KwFalse, Tok::Ident,
                              Tok::Newline, Tok::Eof}));
}

TEST(Lexer, IdentifierTextKeepsDigitsAndUnderscores) {
  auto toks = lexAll("w_1b2");
  ASSERT_EQ(toks[0].kind, Tok::Ident);
  EXPECT_EQ(toks[0].text, "w_1b2");
}

TEST(Lexer, Punctuation) {
  EXPECT_EQ(kinds(": ; , = ( ) [ ] { } + - * / @ == != < <= > >="),
            (std::vector<Tok>{Tok::Colon, Tok::Semicolon, Tok::Comma,
                              Tok::Assign, Tok::LParen, Tok::RParen,
                              Tok::LBracket, Tok::RBracket, Tok::LBrace,
                              Tok::RBrace, Tok::Plus, Tok::Minus, Tok::Star,
                              Tok::Slash, Tok::At, Tok::EqEq, Tok::NotEq,
                              Tok::Less, Tok::LessEq, Tok::Greater,
                              Tok::GreaterEq, Tok::Newline, Tok::Eof}));
}

TEST(Lexer, IntegerAndFloatValues) {
  auto toks = lexAll("42 2.5 1e-5 .5 3E2");
  ASSERT_EQ(toks[0].kind, Tok::Int);
  EXPECT_EQ(toks[0].intValue, 42);
  ASSERT_EQ(toks[1].kind, Tok::Float);
  EXPECT_DOUBLE_EQ(toks[1].floatValue, 2.5);
  ASSERT_EQ(toks[2].kind, Tok::Float);
  EXPECT_DOUBLE_EQ(toks[2].floatValue, 1e-5);
  EXPECT_DOUBLE_EQ(toks[3].floatValue, 0.5);
  EXPECT_DOUBLE_EQ(toks[4].floatValue, 300.0);
}

TEST(Lexer, LinesAndColumns) {
  auto toks = lexAll("model m\n  x = y");
  ASSERT_GE(toks.size(), 6u);
  EXPECT_EQ(toks[0].loc.line, 1u);
  EXPECT_EQ(toks[0].loc.col, 1u);
  EXPECT_EQ(toks[1].loc.col, 7u);
  EXPECT_EQ(toks[2].kind, Tok::Newline);
  EXPECT_EQ(toks[3].loc.line, 2u);
  EXPECT_EQ(toks[3].loc.col, 3u);
  EXPECT_EQ(toks[5].loc.col, 7u);
  EXPECT_EQ(*toks[0].loc.file, "t.nn");
}

TEST(Lexer, CommentsAndBlankLinesProduceOneNewline) {
  EXPECT_EQ(kinds("a # comment\n\n\n   # another\nb"),
            (std::vector<Tok>{Tok::Ident, Tok::Newline, Tok::Ident,
                              Tok::Newline, Tok::Eof}));
}

TEST(Lexer, NewlinesInsideParensAndBracketsAreIgnored) {
  EXPECT_EQ(kinds("f(a,\n b)\n[1,\n2]"),
            (std::vector<Tok>{Tok::Ident, Tok::LParen, Tok::Ident, Tok::Comma,
                              Tok::Ident, Tok::RParen, Tok::Newline,
                              Tok::LBracket, Tok::Int, Tok::Comma, Tok::Int,
                              Tok::RBracket, Tok::Newline, Tok::Eof}));
}

TEST(Lexer, NewlinesInsideBracesSeparateStatements) {
  EXPECT_EQ(kinds("{\na\n}"),
            (std::vector<Tok>{Tok::LBrace, Tok::Newline, Tok::Ident,
                              Tok::Newline, Tok::RBrace, Tok::Newline,
                              Tok::Eof}));
}

TEST(Lexer, StringWithEscapes) {
  auto toks = lexAll(R"("a\"b\\c")");
  ASSERT_EQ(toks[0].kind, Tok::String);
  EXPECT_EQ(toks[0].text, "a\"b\\c");
}

TEST(Lexer, UnterminatedStringIsAnError) {
  unsigned line, col;
  EXPECT_EQ(lexError("x = \"abc\ny", &line, &col), "unterminated string");
  EXPECT_EQ(line, 1u);
  EXPECT_EQ(col, 5u);
}

TEST(Lexer, UnknownEscapeIsAnError) {
  EXPECT_EQ(lexError(R"("a\q")"), "unknown escape sequence '\\q'");
}

TEST(Lexer, StrayCharacterIsAnError) {
  unsigned line, col;
  EXPECT_EQ(lexError("a = b $ c", &line, &col), "unexpected character '$'");
  EXPECT_EQ(col, 7u);
}

TEST(Lexer, NonAsciiCharacterIsShownInHex) {
  EXPECT_EQ(lexError("a \x01"), "unexpected character 0x01");
}

TEST(Lexer, IntegerOutOfRange) {
  EXPECT_EQ(lexError("99999999999999999999"),
            "integer '99999999999999999999' is out of range");
}

TEST(Lexer, FloatOutOfRange) {
  EXPECT_EQ(lexError("1e999"), "number '1e999' is out of range");
}

TEST(Lexer, LetterAfterNumberIsAnError) {
  EXPECT_EQ(lexError("12abc"), "unexpected character 'a' after number");
}

TEST(Lexer, BangAloneIsAnError) {
  EXPECT_EQ(lexError("a ! b"), "unexpected character '!'");
}

TEST(Lexer, ErrorTokenRepeats) {
  Lexer lexer("$", "t.nn");
  EXPECT_EQ(lexer.next().kind, Tok::Error);
  EXPECT_EQ(lexer.next().kind, Tok::Error);
}

TEST(Lexer, ByteOrderMarkIsSkipped) {
  auto toks = lexAll("\xEF\xBB\xBFmodel m");
  ASSERT_EQ(toks[0].kind, Tok::KwModel);
  EXPECT_EQ(toks[0].loc.col, 4u); // a byte column, as SourceMgr counts
}

TEST(Lexer, CarriageReturnsAreWhitespace) {
  EXPECT_EQ(kinds("a\r\nb\r\n"),
            (std::vector<Tok>{Tok::Ident, Tok::Newline, Tok::Ident,
                              Tok::Newline, Tok::Eof}));
}
