#include "api/search/lexer.hpp"

#include <cstdint>
#include <utility>

#include "api/search/text.hpp"

namespace ambient::search {
namespace {

// String literals become bound parameters; rejecting bytes PostgreSQL cannot store here
// turns what would be a database error into a client error.
bool is_storable_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0) return false;
        std::size_t length = 0;
        std::uint32_t code_point = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            length = 2;
            code_point = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            length = 3;
            code_point = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            length = 4;
            code_point = c & 0x07;
        } else {
            return false;
        }
        if (text.size() - i < length) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xc0) != 0x80) return false;
            code_point = (code_point << 6) | (next & 0x3f);
        }
        const bool overlong = (length == 2 && code_point < 0x80) || (length == 3 && code_point < 0x800) ||
                              (length == 4 && code_point < 0x10000);
        const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
        if (overlong || surrogate || code_point > 0x10ffff) return false;
        i += length;
    }
    return true;
}

class Lexer {
public:
    explicit Lexer(std::string_view input) : input_(input) {}

    std::vector<Token> run() {
        std::vector<Token> tokens;
        while (true) {
            while (pos_ < input_.size() && is_space(input_[pos_]))
                ++pos_;
            if (pos_ == input_.size()) break;
            tokens.push_back(next());
        }
        tokens.push_back(Token{TokenKind::End, {}, input_.size() + 1});
        return tokens;
    }

private:
    Token next() {
        const char c = input_[pos_];
        if (is_identifier_start(c)) return word();
        if (is_digit(c) || (c == '-' && pos_ + 1 < input_.size() && is_digit(input_[pos_ + 1]))) {
            return number();
        }
        if (c == '\'') return string();
        switch (c) {
            case '(':
                return single(TokenKind::LeftParen);
            case ')':
                return single(TokenKind::RightParen);
            case ',':
                return single(TokenKind::Comma);
            default:
                return operator_token();
        }
    }

    Token word() {
        const std::size_t start = pos_;
        while (pos_ < input_.size() && is_identifier_char(input_[pos_]))
            ++pos_;
        return Token{TokenKind::Word, std::string(input_.substr(start, pos_ - start)), start + 1};
    }

    Token number() {
        const std::size_t start = pos_;
        if (input_[pos_] == '-') ++pos_;
        while (pos_ < input_.size() && is_digit(input_[pos_]))
            ++pos_;
        if (pos_ < input_.size() && input_[pos_] == '.') {
            ++pos_;
            while (pos_ < input_.size() && is_digit(input_[pos_]))
                ++pos_;
        }
        // `1abc`, `1.2.3` and `1e5` must not silently split into two tokens.
        const bool glued = pos_ < input_.size() && (is_identifier_char(input_[pos_]) || input_[pos_] == '.');
        const auto text = input_.substr(start, pos_ - start);
        if (glued || !is_number_text(text)) {
            fail("invalid number at position " + std::to_string(start + 1));
        }
        return Token{TokenKind::Number, std::string(text), start + 1};
    }

    Token string() {
        const std::size_t start = pos_++;
        std::string value;
        while (true) {
            if (pos_ >= input_.size()) {
                fail("unterminated string starting at position " + std::to_string(start + 1));
            }
            const char c = input_[pos_++];
            if (c != '\'') {
                value.push_back(c);
            } else if (pos_ < input_.size() && input_[pos_] == '\'') {
                value.push_back('\'');
                ++pos_;
            } else {
                break;
            }
        }
        if (!is_storable_utf8(value)) {
            fail("invalid character in string starting at position " + std::to_string(start + 1));
        }
        return Token{TokenKind::String, std::move(value), start + 1};
    }

    Token single(TokenKind kind) {
        const std::size_t start = pos_++;
        return Token{kind, std::string(1, input_[start]), start + 1};
    }

    Token operator_token() {
        static constexpr std::string_view kOperators[] = {"<=", ">=", "<>", "!=", "~=", "~!", "=", "<", ">"};
        for (const auto op : kOperators) {
            if (input_.substr(pos_, op.size()) == op) {
                const std::size_t start = pos_;
                pos_ += op.size();
                return Token{TokenKind::Operator, std::string(op), start + 1};
            }
        }
        fail("unexpected character '" + excerpt(input_.substr(pos_, 1)) + "' at position " + std::to_string(pos_ + 1));
    }

    std::string_view input_;
    std::size_t pos_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view input) {
    return Lexer(input).run();
}

}  // namespace ambient::search
