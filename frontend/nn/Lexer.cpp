// Lexer: turns a .nn source buffer into tokens that carry their line/column.
#include "frontend/nn/Lexer.h"

#include "llvm/ADT/StringSwitch.h"
#include <cerrno>
#include <cmath>
#include <cstdlib>

using namespace nnc::nnlang;

const char *nnc::nnlang::tokName(Tok kind) {
  switch (kind) {
  case Tok::Eof: return "end of file";
  case Tok::Newline: return "end of line";
  case Tok::Ident: return "identifier";
  case Tok::Int: return "integer";
  case Tok::Float: return "number";
  case Tok::String: return "string";
  case Tok::KwModel: return "'model'";
  case Tok::KwInput: return "'input'";
  case Tok::KwParam: return "'param'";
  case Tok::KwState: return "'state'";
  case Tok::KwOutput: return "'output'";
  case Tok::KwTrain: return "'train'";
  case Tok::KwWith: return "'with'";
  case Tok::KwFn: return "'fn'";
  case Tok::KwReturn: return "'return'";
  case Tok::KwTrue: return "'true'";
  case Tok::KwFalse: return "'false'";
  case Tok::Colon: return "':'";
  case Tok::Semicolon: return "';'";
  case Tok::Comma: return "','";
  case Tok::Assign: return "'='";
  case Tok::LParen: return "'('";
  case Tok::RParen: return "')'";
  case Tok::LBracket: return "'['";
  case Tok::RBracket: return "']'";
  case Tok::LBrace: return "'{'";
  case Tok::RBrace: return "'}'";
  case Tok::Plus: return "'+'";
  case Tok::Minus: return "'-'";
  case Tok::Star: return "'*'";
  case Tok::Slash: return "'/'";
  case Tok::At: return "'@'";
  case Tok::EqEq: return "'=='";
  case Tok::NotEq: return "'!='";
  case Tok::Less: return "'<'";
  case Tok::LessEq: return "'<='";
  case Tok::Greater: return "'>'";
  case Tok::GreaterEq: return "'>='";
  case Tok::Error: return "invalid token";
  }
  return "token";
}

Lexer::Lexer(llvm::StringRef buffer, llvm::StringRef filename)
    : buffer(buffer), file(std::make_shared<std::string>(filename.str())) {
  // Skip a UTF-8 byte order mark; columns count bytes, as SourceMgr does.
  if (buffer.starts_with("\xEF\xBB\xBF")) {
    pos = 3;
    col = 4;
  }
}

char Lexer::peek(size_t ahead) const {
  return pos + ahead < buffer.size() ? buffer[pos + ahead] : '\0';
}

void Lexer::advance() {
  if (pos >= buffer.size())
    return;
  if (buffer[pos] == '\n') {
    ++line;
    col = 1;
  } else {
    ++col;
  }
  ++pos;
}

Token Lexer::make(Tok kind, unsigned l, unsigned c) {
  Token t;
  t.kind = kind;
  t.loc = Location{file, l, c};
  lastWasNewline = kind == Tok::Newline;
  return t;
}

Token Lexer::fail(unsigned l, unsigned c, std::string message) {
  errorMessage = std::move(message);
  done = true;
  last = make(Tok::Error, l, c);
  return last;
}

static bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }

Token Lexer::next() {
  if (done)
    return last;
  for (;;) {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\r') {
      advance();
      continue;
    }
    if (c == '#') {
      while (peek() != '\n' && pos < buffer.size())
        advance();
      continue;
    }
    if (c == '\n') {
      unsigned l = line, cl = col;
      advance();
      if (nesting > 0 || lastWasNewline)
        continue;
      return make(Tok::Newline, l, cl);
    }
    break;
  }
  unsigned l = line, c0 = col;
  if (pos >= buffer.size()) {
    if (!lastWasNewline)
      return make(Tok::Newline, l, c0);
    done = true;
    last = make(Tok::Eof, l, c0);
    return last;
  }
  char c = peek();
  if (isIdentStart(c)) {
    size_t start = pos;
    while (isIdentStart(peek()) || isDigit(peek()))
      advance();
    llvm::StringRef word = buffer.slice(start, pos);
    Tok kind = llvm::StringSwitch<Tok>(word)
                   .Case("model", Tok::KwModel)
                   .Case("input", Tok::KwInput)
                   .Case("param", Tok::KwParam)
                   .Case("state", Tok::KwState)
                   .Case("output", Tok::KwOutput)
                   .Case("train", Tok::KwTrain)
                   .Case("with", Tok::KwWith)
                   .Case("fn", Tok::KwFn)
                   .Case("return", Tok::KwReturn)
                   .Case("true", Tok::KwTrue)
                   .Case("false", Tok::KwFalse)
                   .Default(Tok::Ident);
    Token t = make(kind, l, c0);
    t.text = word.str();
    return t;
  }
  if (isDigit(c) || (c == '.' && isDigit(peek(1))))
    return lexNumber(l, c0);
  if (c == '"')
    return lexString(l, c0);

  auto single = [&](Tok kind) {
    advance();
    return make(kind, l, c0);
  };
  auto twoChar = [&](char second, Tok two, Tok one) {
    advance();
    if (peek() == second) {
      advance();
      return make(two, l, c0);
    }
    return make(one, l, c0);
  };
  switch (c) {
  case ':': return single(Tok::Colon);
  case ';': return single(Tok::Semicolon);
  case ',': return single(Tok::Comma);
  case '(': ++nesting; return single(Tok::LParen);
  case ')': if (nesting > 0) --nesting; return single(Tok::RParen);
  case '[': ++nesting; return single(Tok::LBracket);
  case ']': if (nesting > 0) --nesting; return single(Tok::RBracket);
  case '{': return single(Tok::LBrace);
  case '}': return single(Tok::RBrace);
  case '+': return single(Tok::Plus);
  case '-': return single(Tok::Minus);
  case '*': return single(Tok::Star);
  case '/': return single(Tok::Slash);
  case '@': return single(Tok::At);
  case '=': return twoChar('=', Tok::EqEq, Tok::Assign);
  case '<': return twoChar('=', Tok::LessEq, Tok::Less);
  case '>': return twoChar('=', Tok::GreaterEq, Tok::Greater);
  case '!':
    if (peek(1) == '=') {
      advance();
      advance();
      return make(Tok::NotEq, l, c0);
    }
    break;
  default:
    break;
  }
  std::string shown;
  if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
    shown = std::string("'") + c + "'";
  else {
    char hex[8];
    snprintf(hex, sizeof(hex), "0x%02x", static_cast<unsigned char>(c));
    shown = hex;
  }
  return fail(l, c0, "unexpected character " + shown);
}

Token Lexer::lexNumber(unsigned l, unsigned c0) {
  size_t start = pos;
  bool isFloat = false;
  while (isDigit(peek()))
    advance();
  if (peek() == '.') {
    isFloat = true;
    advance();
    while (isDigit(peek()))
      advance();
  }
  if (peek() == 'e' || peek() == 'E') {
    char sign = peek(1);
    if (isDigit(sign) || ((sign == '+' || sign == '-') && isDigit(peek(2)))) {
      isFloat = true;
      advance();
      if (sign == '+' || sign == '-')
        advance();
      while (isDigit(peek()))
        advance();
    } else {
      return fail(line, col, "malformed exponent in number");
    }
  }
  if (isIdentStart(peek()))
    return fail(line, col,
                std::string("unexpected character '") + peek() +
                    "' after number");
  std::string text = buffer.slice(start, pos).str();
  Token t = make(isFloat ? Tok::Float : Tok::Int, l, c0);
  t.text = text;
  errno = 0;
  if (isFloat) {
    t.floatValue = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(t.floatValue))
      return fail(l, c0, "number '" + text + "' is out of range");
  } else {
    unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
    if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX))
      return fail(l, c0, "integer '" + text + "' is out of range");
    t.intValue = static_cast<int64_t>(v);
    t.floatValue = static_cast<double>(v);
  }
  return t;
}

Token Lexer::lexString(unsigned l, unsigned c0) {
  advance(); // opening quote
  std::string value;
  for (;;) {
    char c = peek();
    if (pos >= buffer.size() || c == '\n')
      return fail(l, c0, "unterminated string");
    advance();
    if (c == '"')
      break;
    if (c == '\\') {
      char e = peek();
      unsigned el = line, ec = col;
      if (pos >= buffer.size() || e == '\n')
        return fail(l, c0, "unterminated string");
      advance();
      switch (e) {
      case '"': value += '"'; break;
      case '\\': value += '\\'; break;
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      default:
        return fail(el, ec - 1,
                    std::string("unknown escape sequence '\\") + e + "'");
      }
      continue;
    }
    value += c;
  }
  Token t = make(Tok::String, l, c0);
  t.text = value;
  return t;
}
