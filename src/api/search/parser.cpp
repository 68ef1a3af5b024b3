#include "api/search/parser.hpp"

#include <string>
#include <utility>
#include <vector>

#include "api/search/lexer.hpp"
#include "api/search/limits.hpp"
#include "api/search/text.hpp"

namespace ambient::search {
namespace {

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

    Expr run() {
        Expr expr = parse_or();
        if (peek().kind != TokenKind::End) unexpected("'and', 'or' or the end of the expression");
        return expr;
    }

private:
    // Every recursive descent passes through here, so the C++ stack depth is bounded by
    // kMaxNestingDepth whatever the input looks like.
    class NestingGuard {
    public:
        explicit NestingGuard(Parser& parser) : parser_(parser) {
            if (++parser_.depth_ > kMaxNestingDepth) {
                fail("expression nested more than " + std::to_string(kMaxNestingDepth) + " levels deep");
            }
        }
        ~NestingGuard() { --parser_.depth_; }
        NestingGuard(const NestingGuard&) = delete;
        NestingGuard& operator=(const NestingGuard&) = delete;

    private:
        Parser& parser_;
    };

    Expr parse_or() {
        std::vector<Expr> operands;
        operands.push_back(parse_and());
        while (accept_keyword("or"))
            operands.push_back(parse_and());
        return group(ExprKind::Or, std::move(operands));
    }

    Expr parse_and() {
        std::vector<Expr> operands;
        operands.push_back(parse_not());
        while (accept_keyword("and"))
            operands.push_back(parse_not());
        return group(ExprKind::And, std::move(operands));
    }

    Expr parse_not() {
        if (accept_keyword("not")) {
            NestingGuard guard(*this);
            Expr expr{ExprKind::Not, {}, {}};
            expr.operands.push_back(parse_not());
            return expr;
        }
        if (peek().kind == TokenKind::LeftParen) {
            NestingGuard guard(*this);
            advance();
            Expr inner = parse_or();
            expect(TokenKind::RightParen, "')'");
            return inner;
        }
        return parse_comparison();
    }

    Expr parse_comparison() {
        if (peek().kind != TokenKind::Word) unexpected("a field name");
        if (++comparisons_ > kMaxComparisons) {
            fail("more than " + std::to_string(kMaxComparisons) + " comparisons");
        }
        Comparison comparison;
        comparison.field = advance().text;
        comparison.op = parse_operator();
        switch (comparison.op) {
            case Operator::IsNull:
            case Operator::IsNotNull:
                break;
            case Operator::In:
            case Operator::NotIn:
                comparison.values = parse_list();
                break;
            case Operator::Between:
            case Operator::NotBetween:
                comparison.values.push_back(parse_literal());
                expect_keyword("and");
                comparison.values.push_back(parse_literal());
                break;
            default:
                comparison.values.push_back(parse_literal());
        }
        return Expr{ExprKind::Comparison, std::move(comparison), {}};
    }

    Operator parse_operator() {
        const Token& token = peek();
        if (token.kind == TokenKind::Operator) {
            advance();
            if (token.text == "=") return Operator::Equal;
            if (token.text == "!=" || token.text == "<>") return Operator::NotEqual;
            if (token.text == "<") return Operator::Less;
            if (token.text == "<=") return Operator::LessEqual;
            if (token.text == ">") return Operator::Greater;
            if (token.text == ">=") return Operator::GreaterEqual;
            if (token.text == "~=") return Operator::Like;
            return Operator::NotLike;  // "~!", the only operator token left
        }
        if (accept_keyword("like")) return Operator::Like;
        if (accept_keyword("in")) return Operator::In;
        if (accept_keyword("between")) return Operator::Between;
        if (accept_keyword("not")) {
            if (accept_keyword("like")) return Operator::NotLike;
            if (accept_keyword("in")) return Operator::NotIn;
            if (accept_keyword("between")) return Operator::NotBetween;
            unexpected("'like', 'in' or 'between'");
        }
        if (accept_keyword("is")) {
            const bool negated = accept_keyword("not");
            expect_keyword("null");
            return negated ? Operator::IsNotNull : Operator::IsNull;
        }
        unexpected("a comparison operator");
    }

    std::vector<Literal> parse_list() {
        expect(TokenKind::LeftParen, "'('");
        if (peek().kind == TokenKind::RightParen) unexpected("a value (the list is empty)");
        std::vector<Literal> values;
        while (true) {
            if (values.size() == kMaxInListLength) {
                fail("more than " + std::to_string(kMaxInListLength) + " values in a list");
            }
            values.push_back(parse_literal());
            if (peek().kind != TokenKind::Comma) break;
            advance();
        }
        expect(TokenKind::RightParen, "',' or ')'");
        return values;
    }

    Literal parse_literal() {
        const Token& token = peek();
        if (token.kind == TokenKind::String) return Literal{LiteralKind::String, advance().text};
        if (token.kind == TokenKind::Number) return Literal{LiteralKind::Number, advance().text};
        if (accept_keyword("true")) return Literal{LiteralKind::Boolean, "true"};
        if (accept_keyword("false")) return Literal{LiteralKind::Boolean, "false"};
        unexpected("a quoted string, a number, true or false");
    }

    static Expr group(ExprKind kind, std::vector<Expr> operands) {
        if (operands.size() == 1) return std::move(operands.front());
        return Expr{kind, {}, std::move(operands)};
    }

    const Token& peek() const { return tokens_[next_]; }

    const Token& advance() {
        const Token& token = tokens_[next_];
        if (token.kind != TokenKind::End) ++next_;
        return token;
    }

    bool accept_keyword(std::string_view keyword) {
        if (peek().kind != TokenKind::Word || !iequals(peek().text, keyword)) return false;
        advance();
        return true;
    }

    void expect_keyword(std::string_view keyword) {
        if (!accept_keyword(keyword)) unexpected("'" + std::string(keyword) + "'");
    }

    void expect(TokenKind kind, std::string_view what) {
        if (peek().kind != kind) unexpected(what);
        advance();
    }

    [[noreturn]] void unexpected(std::string_view expected) const {
        const Token& token = peek();
        if (token.kind == TokenKind::End) {
            fail("expected " + std::string(expected) + " but the expression ended");
        }
        // String contents are client data; name the token kind rather than repeat them.
        const std::string found = token.kind == TokenKind::String ? "a quoted string" : "'" + excerpt(token.text) + "'";
        fail("expected " + std::string(expected) + " but found " + found + " at position " +
             std::to_string(token.position));
    }

    std::vector<Token> tokens_;
    std::size_t next_ = 0;
    int depth_ = 0;
    int comparisons_ = 0;
};

}  // namespace

Expr parse(std::string_view expression) {
    return Parser(tokenize(expression)).run();
}

}  // namespace ambient::search
