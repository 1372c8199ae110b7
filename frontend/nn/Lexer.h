// Lexer: turns a .nn source buffer into tokens that carry their line/column.
#ifndef NNC_FRONTEND_NN_LEXER_H
#define NNC_FRONTEND_NN_LEXER_H

#include "frontend/nn/Location.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>

namespace nnc::nnlang {

enum class Tok {
  Eof,
  Newline, // ends a statement (suppressed inside (...) and [...])
  Ident,
  Int,
  Float,
  String,
  // keywords
  KwModel,
  KwInput,
  KwParam,
  KwState,
  KwOutput,
  KwTrain,
  KwWith,
  KwFn,
  KwReturn,
  KwTrue,
  KwFalse,
  // punctuation
  Colon,
  Semicolon,
  Comma,
  Assign, // =
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Plus,
  Minus,
  Star,
  Slash,
  At,
  EqEq,
  NotEq,
  Less,
  LessEq,
  Greater,
  GreaterEq,
  Error, // a lexical error; Lexer::error() says why
};

/// A printable name for a token kind ("identifier", "'('", ...).
const char *tokName(Tok kind);

struct Token {
  Tok kind = Tok::Eof;
  Location loc;
  std::string text;   // identifier / keyword spelling, string contents
  int64_t intValue = 0;
  double floatValue = 0;
};

/// Splits a buffer into tokens. Newlines are statement separators except
/// inside parentheses and brackets (as in Python). `#` starts a comment.
class Lexer {
public:
  Lexer(llvm::StringRef buffer, llvm::StringRef filename);

  /// Returns the next token; after an Error or Eof token, keeps returning it.
  Token next();

  /// The message of the last Error token.
  const std::string &error() const { return errorMessage; }

private:
  Token make(Tok kind, unsigned line, unsigned col);
  Token fail(unsigned line, unsigned col, std::string message);
  char peek(size_t ahead = 0) const;
  void advance();
  Token lexNumber(unsigned line, unsigned col);
  Token lexString(unsigned line, unsigned col);

  llvm::StringRef buffer;
  std::shared_ptr<std::string> file;
  size_t pos = 0;
  unsigned line = 1, col = 1;
  int nesting = 0; // depth of ( and [
  bool lastWasNewline = true;
  bool done = false;
  Token last;
  std::string errorMessage;
};

} // namespace nnc::nnlang

#endif // NNC_FRONTEND_NN_LEXER_H
